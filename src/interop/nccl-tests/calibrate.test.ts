import { describe, expect, it } from 'vitest';
import { catalog } from '../../../test/support/catalog.js';
import { resolveSystem } from '../../config/catalog.js';
import { analyticalNetwork } from '../../network/analytical.js';
import { busBandwidthFactor, packedGroup } from '../../network/network-model.js';
import { calibrateSystem, groupOfRun, minimize1d } from './calibrate.js';
import type { NcclTestsRun } from './parse.js';
import type { SystemSpec } from '../../config/system-schema.js';

/** What nccl-tests would print on a machine that behaved exactly like `system` in the twin's model. */
function runLike(system: SystemSpec, ranks: number, hosts: number, algorithm: 'ring' | 'nvls' | 'auto', sizes: number[]): NcclTestsRun {
  const group = groupOfRun(ranks, hosts, system.node.gpusPerNode, system.node.nvlinkDomainGpus ?? system.node.gpusPerNode);
  const net = analyticalNetwork(system);
  return {
    file: 'synthetic.txt',
    line: 1,
    op: 'allreduce',
    opFrom: 'program',
    program: 'all_reduce_perf',
    ranks,
    nodes: hosts,
    hosts: Array.from({ length: hosts }, (_, i) => `h${i}`),
    ...(algorithm === 'auto' ? {} : { ncclAlgo: algorithm === 'nvls' ? 'NVLS' : 'Ring' }),
    rows: sizes.map((bytes, i) => {
      const s = net.collective({ op: 'allreduce', bytes, group, algorithm }).seconds;
      const algbw = bytes / s / 1e9;
      return { line: i + 2, bytes, elements: bytes / 4, dataType: 'float', inPlace: { timeMicroseconds: s * 1e6, algbwGBps: algbw, busbwGBps: algbw * busBandwidthFactor('allreduce', ranks) } };
    }),
  };
}

const sweep = Array.from({ length: 31 }, (_, i) => 8 * 2 ** i);

describe('calibrateSystem', () => {
  it('finds a minimum by grid and golden section, and an edge when the minimum is there', () => {
    expect(minimize1d((x) => (Math.log(x) - Math.log(0.37)) ** 2, 1e-4, 1, true)).toBeCloseTo(0.37, 6);
    expect(minimize1d((x) => (x - 3.25) ** 2, 0, 1000, false)).toBeCloseTo(3.25, 5);
    expect(minimize1d((x) => -x, 1e-4, 1, true)).toBe(1);
  });

  it('inverts the model: runs measured on a machine like a known preset give its efficiencies back', () => {
    const base = resolveSystem(catalog, 'dgx-h100');
    const truth: SystemSpec = {
      ...base,
      node: { ...base.node, nvlinkAchievedFraction: 0.71, nvlsAlgbwFraction: 0.52, nicAchievedFraction: 0.6 },
      fabric: { ...base.fabric, nicLatencyMicroseconds: 4.2 },
    };
    const runs = [runLike(truth, 8, 1, 'ring', sweep), runLike(truth, 8, 1, 'nvls', sweep), runLike(truth, 32, 4, 'ring', sweep)];
    const c = calibrateSystem(base, runs.map((run) => ({ run, sha256: 'x' })));
    const fit = Object.fromEntries(c.fits.map((f) => [f.field, f.value]));
    expect(fit['node.nvlinkAchievedFraction']).toBeCloseTo(0.71, 3);
    expect(fit['node.nvlsAlgbwFraction']).toBeCloseTo(0.52, 3);
    expect(fit['node.nicAchievedFraction']).toBeCloseTo(0.6, 3);
    expect(fit['fabric.nicLatencyMicroseconds']).toBeCloseTo(4.2, 1);
    for (const r of c.runs.flatMap((x) => x.rows)) expect(Math.abs(r.error)).toBeLessThan(1e-3);
  });

  it('places ranks on the log\'s hosts: 4 on each of 2 hosts is a multi-node run on 8-GPU nodes', () => {
    expect(groupOfRun(8, 2, 8, 8)).toMatchObject({ nodes: 2, ranksPerNode: 4, domains: 2, ranksPerDomain: 4 });
    expect(groupOfRun(8, 1, 8, 8)).toEqual(packedGroup(8, 8, 8));
    // NVL72: 18 trays of 4 GPUs are one NVLink domain.
    expect(groupOfRun(72, 18, 4, 72)).toMatchObject({ nodes: 18, domains: 1, ranksPerDomain: 72 });
    const base = resolveSystem(catalog, 'dgx-h100');
    const c = calibrateSystem(base, [{ run: runLike(base, 8, 2, 'ring', sweep), sha256: 'x' }]);
    expect(c.runs[0].bandwidthField).toBe('node.nicAchievedFraction');
  });

  it('keeps the base\'s value of a field the rows cannot tell apart (a multi-node ring bound by NVLink)', () => {
    const base = resolveSystem(catalog, 'dgx-h100');
    // 8 NICs x 400 Gb/s x 0.94 exceed NVLink's 450 x 0.824 GB/s: the ring is NVLink-bound and never sees the NICs.
    const c = calibrateSystem(base, [{ run: runLike(base, 32, 4, 'ring', [2 ** 33]), sha256: 'x' }]);
    expect(c.fits[0]).toMatchObject({ field: 'node.nicAchievedFraction', value: base.node.nicAchievedFraction, keptBase: true, atBound: false });
    expect(c.notes.join('\n')).toMatch(/node\.nicAchievedFraction: the runs' rows fit the base preset's 0\.94 as well as any value/);
  });

  it('flags a fit at its bound: a measurement faster than the line rate allows', () => {
    const base = resolveSystem(catalog, 'ndm-a100-v4');
    const fast: SystemSpec = { ...base, node: { ...base.node, nvlinkGBpsPerGpu: base.node.nvlinkGBpsPerGpu * 3 } };
    const c = calibrateSystem(base, [{ run: runLike(fast, 8, 1, 'ring', sweep), sha256: 'x' }]);
    expect(c.fits[0]).toMatchObject({ field: 'node.nvlinkAchievedFraction', value: 1, atBound: true });
    expect(c.notes.join('\n')).toMatch(/node\.nvlinkAchievedFraction fitted to its ceiling, 1: the preset's line rate cannot reach/);
  });

  it('refuses operations the twin has no model of, and single-rank runs', () => {
    const base = resolveSystem(catalog, 'dgx-h100');
    const run = runLike(base, 8, 1, 'ring', [2 ** 30]);
    expect(() => calibrateSystem(base, [{ run: { ...run, op: 'reduce' }, sha256: 'x' }])).toThrow(/^synthetic\.txt:1: the twin has no model of reduce/);
    expect(() => calibrateSystem(base, [{ run: { ...run, ranks: 1 }, sha256: 'x' }])).toThrow(/a run over 1 rank moves nothing/);
  });
});
