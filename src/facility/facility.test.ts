import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadPresets } from '../node/presets.js';
import { resolveScenario } from '../engine.js';
import { scenarioSystem } from '../config/resolve.js';
import { parseScenarioInput } from '../config/scenario-input.js';
import { facilityReport, fabricCounts, fabricFor, powerSwing } from './index.js';
import { fabricCapacityGpus } from '../topology/fat-tree-geometry.js';

const catalog = loadPresets();
const systemOf = (name: string) => scenarioSystem(parseScenarioInput({ system: name }), catalog);
const h100 = systemOf('dgx-h100');

/**
 * NVIDIA DGX SuperPOD reference architecture: scalable units (SU) of 32 eight-GPU nodes on
 * 64-port NDR Quantum-2 switches, rail-optimized; two tiers up to 8 SUs, three beyond. Compute
 * fabric counts from the DGX B200 SuperPOD RA's "Larger SuperPOD component counts" table (the same
 * SU and switch design as the DGX H100 RA, RA-11333-001, whose table counts 31 nodes per SU as one
 * port goes to the UFM appliance); docs/sources/facility.md.
 */
const SUPERPOD = [
  { su: 2, leaf: 16, spine: 8, core: 0, nodeLeaf: 512, leafSpine: 512, spineCore: 0 },
  { su: 4, leaf: 32, spine: 16, core: 0, nodeLeaf: 1024, leafSpine: 1024, spineCore: 0 },
  { su: 8, leaf: 64, spine: 32, core: 0, nodeLeaf: 2048, leafSpine: 2048, spineCore: 0 },
  { su: 16, leaf: 128, spine: 128, core: 64, nodeLeaf: 4096, leafSpine: 4096, spineCore: 4096 },
  { su: 32, leaf: 256, spine: 256, core: 128, nodeLeaf: 8192, leafSpine: 8192, spineCore: 8192 },
  { su: 64, leaf: 512, spine: 512, core: 256, nodeLeaf: 16384, leafSpine: 16384, spineCore: 16384 },
];
const within = (got: number, want: number, tol = 0.1) => expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(1, want));

describe('facility: the DGX SuperPOD reference design', () => {
  for (const row of SUPERPOD) {
    it(`${row.su} SU (${row.su * 256} GPUs): switches and cables by tier within 10%`, () => {
      const f = fabricCounts(h100, row.su * 256);
      within(f.switches.leaf, row.leaf);
      within(f.switches.spine, row.spine);
      within(f.switches.core, row.core);
      within(f.cables.nodeLeaf, row.nodeLeaf);
      within(f.cables.leafSpine, row.leafSpine);
      within(f.cables.spineCore, row.spineCore);
    });
  }

  it('one SU: 8 compute racks of 4 DGX H100 at ~40 kW each, air-cooled (contained)', () => {
    const r = facilityReport(h100, 256);
    expect(r.racks.compute).toBe(8);
    // SuperPOD H100 RA: four DGX H100 (10.2 kW max each) per rack.
    within(r.powerPerRackKW.design, 40.8);
    expect(r.cooling).toMatch(/air/);
    // 1 SU: 8 leaves and 4 spines (half of the 2-SU row).
    expect(r.switches).toMatchObject({ leaf: 8, spine: 4, core: 0 });
  });

  it('a GB200 NVL72 rack needs liquid cooling', () => {
    expect(facilityReport(systemOf('gb200-nvl72'), 576).cooling).toBe('direct liquid');
  });
});

describe('facility: invariants', () => {
  it('every system preset: one cable per NIC, and each tier has the ports for the links it takes', () => {
    for (const name of Object.keys(catalog.systems)) {
      const sys = systemOf(name);
      const cap = fabricCapacityGpus(sys);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: Math.floor(cap / sys.node.gpusPerNode) }), (nodes) => {
          const f = fabricCounts(sys, nodes * sys.node.gpusPerNode);
          const geo = fabricFor(sys, nodes);
          return (
            f.cables.nodeLeaf === nodes * sys.node.nicsPerNode &&
            f.switches.leaf * geo.leafDown >= f.cables.nodeLeaf &&
            f.switches.spine * geo.spineDown >= f.cables.leafSpine &&
            f.switches.core * geo.radix >= f.cables.spineCore &&
            f.tiers <= sys.fabric.tiers
          );
        }),
        { numRuns: 40 },
      );
    }
  });

  const sizes = fc.integer({ min: 1, max: 8192 }).map((n) => n * 8);
  it('more GPUs never draw less power, nor need fewer switches', () => {
    fc.assert(
      fc.property(sizes, sizes, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const x = facilityReport(h100, lo);
        const y = facilityReport(h100, hi);
        return y.itPowerMW >= x.itPowerMW && y.itPower.design.totalMW >= x.itPower.design.totalMW && y.switches.total >= x.switches.total && y.capexUsd.total >= x.capexUsd.total;
      }),
      { numRuns: 60 },
    );
  });
  it('a higher PUE never gives less facility power or generator capacity', () => {
    fc.assert(
      fc.property(sizes, fc.double({ min: 1, max: 3, noNaN: true }), fc.double({ min: 1, max: 3, noNaN: true }), (n, p, q) => {
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        const x = facilityReport(h100, n, { pue: lo });
        const y = facilityReport(h100, n, { pue: hi });
        return y.facilityPowerMW >= x.facilityPowerMW && y.generators.installedKva >= x.generators.installedKva;
      }),
      { numRuns: 60 },
    );
  });
  it('2N never installs a smaller UPS than N+1, nor N+1 than N', () => {
    fc.assert(
      fc.property(sizes, (n) => {
        const kva = (r: 'N' | 'N+1' | '2N') => facilityReport(h100, n, { upsRedundancy: r }).ups.installedKva;
        const ups = facilityReport(h100, n, { upsRedundancy: 'N' }).ups;
        return kva('2N') >= kva('N+1') && kva('N+1') > kva('N') && ups.installedKva >= ups.loadKva;
      }),
      { numRuns: 40 },
    );
  });
  it('average IT power stays below the design (rated) power', () => {
    const r = facilityReport(h100, 4096);
    expect(r.itPowerMW).toBeLessThanOrEqual(r.itPower.design.totalMW);
    expect(r.facilityPowerMW).toBeCloseTo(r.itPowerMW * r.pue, 9);
  });
});

describe('facility: the power swing of a synchronous step', () => {
  const llama = resolveScenario({ system: 'dgx-h100', model: 'llama3-405b', gpus: 16384, tp: 8, pp: 16, seq: 8192, gbs: 2048, recompute: 'full' }, catalog);
  const r = facilityReport(llama.system, 16384, { scenario: llama });
  const s = r.powerSwing!;
  it('swings between compute and communication once a step', () => {
    expect(s.periodSeconds).toBeGreaterThan(0);
    expect(s.peakMW).toBeGreaterThan(s.troughMW);
    expect(s.amplitudeMW).toBeCloseTo(s.peakMW - s.troughMW, 9);
    expect(s.meanMW).toBeCloseTo(r.itPowerMW, 6);
    // Never more than every GPU going from its low to its compute power at once.
    expect(s.amplitudeMW).toBeLessThanOrEqual((16384 * 700 * (0.95 - 0.15)) / 1e6 + 1e-9);
    expect(s.profile.reduce((a, p) => a + (p.endSeconds - p.startSeconds), 0)).toBeCloseTo(s.periodSeconds, 6);
  });
  it("the GPUs' average under training lies between their low and compute power", () => {
    expect(r.gpuPowerFractionOfTdp).toBeGreaterThan(0.15);
    expect(r.gpuPowerFractionOfTdp).toBeLessThan(0.95);
  });
  it('a GPU power floor narrows the swing and costs energy', () => {
    const floored = facilityReport(llama.system, 16384, { scenario: llama, powerFloorFraction: 0.6 });
    expect(floored.powerSwing!.amplitudeMW).toBeLessThan(s.amplitudeMW);
    expect(floored.powerSwing!.amplitudeMW).toBeCloseTo((s.amplitudeMW * (0.95 - 0.6)) / (0.95 - 0.15), 6);
    expect(floored.opexUsdPerYear.energy).toBeGreaterThan(r.opexUsdPerYear.energy);
  });
  it('a failure of fewer GPUs drops less power', () => {
    const few = facilityReport(llama.system, 16384, { scenario: llama, failureGpus: 1024 }).powerSwing!;
    expect(few.failure.dropMW).toBeLessThan(s.failure.dropMW);
    expect(few.failure.dropMW).toBeCloseTo((s.failure.dropMW * 1024) / 16384, 9);
  });
});

describe('facility: the swing spectrum', () => {
  const square = (T: number) => powerSwing({
    timeline: [{ stage: 0, stream: 'compute', kind: 'forward', startSeconds: 0, endSeconds: T / 2 }],
    stepTimeSeconds: T, pp: 1, gpusPerStage: 1000, gpuComputeWatts: 700, gpuLowWatts: 100, staticWatts: 0,
    checkpointPauseSeconds: 0, failureGpus: 0, slewSeconds: 0.05,
  });
  it('a 1 s square wave: 0.6 MW amplitude at 1 Hz, its odd harmonics up to 20 Hz hold ~98% of the energy', () => {
    const s = square(1);
    expect(s.amplitudeMW).toBeCloseTo(0.6, 9);
    expect(s.spectrum.dominantHz).toBeCloseTo(1, 9);
    // A square wave's odd harmonic k carries 8/(pi k)^2 of its variance; the band holds k = 1..19.
    const want = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19].reduce((a, k) => a + 8 / (Math.PI * k) ** 2, 0);
    expect(s.spectrum.bandEnergyShare).toBeCloseTo(want, 6);
    expect(s.rampMWPerSecond).toBeCloseTo(0.6 / 0.05, 6);
  });
  it('a 100 s step puts its fundamental (0.01 Hz) below the band', () => {
    const s = square(100);
    expect(s.spectrum.dominantHz).toBeCloseTo(0.01, 9);
    expect(s.spectrum.bandEnergyShare).toBeLessThan(0.1);
  });
});
