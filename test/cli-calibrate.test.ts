/**
 * `clustertwin calibrate --nccl-tests`: on nccl-tests outputs carrying the validation suite's
 * published figures (test/fixtures/nccl-tests/, re-typeset from the suites' sources), the
 * calibrated preset reproduces them within 5% at the sizes the suite bounds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from './support/cli.js';
import { catalog } from './support/catalog.js';
import { testDir } from './support/temp-dir.js';
import { loadValidationData } from '../src/node/validation-data.js';
import { parseCollectiveCases, runCollectiveCase } from '../src/validation/collective-cases.js';
import { SystemSpecSchema } from '../src/config/system-schema.js';
import type { PresetCatalog } from '../src/config/catalog.js';

const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/nccl-tests/${f}`, import.meta.url));
const cases = parseCollectiveCases(loadValidationData().collectives);

/** Calibrates on `file` from `system`; the suite's cases `ids` then run on the calibrated preset. */
async function reproduce(file: string, system: string, ids: string[]) {
  const dir = testDir('ct-cal-');
  const out = join(dir, 'calibrated.yaml');
  const r = await runCli(['calibrate', '--nccl-tests', fixture(file), '--system', system, '--name', 'mine', '--out', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const preset = parse(readFileSync(out, 'utf8'));
  SystemSpecSchema.parse(preset);
  const mine: PresetCatalog = { ...catalog, systems: { ...catalog.systems, mine: preset } };
  const rows = ids.flatMap((id) => {
    const c = cases.find((x) => x.id === id);
    if (!c) throw new Error(`no suite case ${id}`);
    return runCollectiveCase({ ...c, system: 'mine' }, mine, 'analytical').filter((x) => x.bounded);
  });
  expect(rows.length).toBeGreaterThan(0);
  return { json: JSON.parse(r.stdout), rows, text: readFileSync(out, 'utf8') };
}

const worst = (rows: Array<{ error: number }>) => Math.max(...rows.map((x) => Math.abs(x.error)));

describe('clustertwin calibrate --nccl-tests on the suite\'s published nccl-tests figures', () => {
  it.each([
    ['nd-h100-v5.all_reduce.txt', 'nd-h100-v5', ['nd-h100-v5.allreduce'], 'node.nvlsAlgbwFraction'],
    ['nd-h200-v5.all_reduce.txt', 'nd-h200-v5', ['nd-h200-v5.allreduce'], 'node.nvlsAlgbwFraction'],
    [
      'h200.by-gpu-count.all_reduce.txt',
      'nd-h200-v5',
      ['h200.ring.4gpu', 'h200.ring.5gpu', 'h200.ring.6gpu', 'h200.ring.7gpu', 'h200.ring.8gpu', 'h200.nvls.5gpu', 'h200.nvls.6gpu', 'h200.nvls.7gpu', 'h200.nvls.8gpu'],
      'node.nvlinkAchievedFraction',
    ],
    ['dgx-a100.multinode.all_reduce.txt', 'dgx-a100-80g', ['dgx-a100.multinode.ring'], 'node.nicAchievedFraction'],
  ])('%s: reproduced within 5% from boundedFrom up', async (file, system, ids, field) => {
    const { json, rows, text } = await reproduce(file, system, ids);
    expect(json.fits.map((f: { field: string }) => f.field)).toContain(field);
    expect(worst(rows), rows.map((x) => `${x.caseId} ${x.bytes}: ${(x.error * 100).toFixed(1)}%`).join('; ')).toBeLessThan(0.05);
    // Provenance beside the fitted figure: the file, its sha256, the sizes, the residual.
    const sha = json.runs[0].sha256 as string;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(text).toMatch(new RegExp(`${field.split('.')[1]}: [0-9.]+ # fitted by clustertwin calibrate to .*${file.replace(/\./g, '\\.')} \\(sha256 ${sha}, all_reduce_perf\\) at .*; residual \\d+\\.\\d% rms`));
  });

  it('ndm-a100-v4: the ring\'s measured step between 128M and 256M is a known gap (within 8%, not 5%)', async () => {
    // Measured busbw rises 23% from 128M to 256M (174 -> 214 GB/s); the model's smooth pipeline fill
    // cannot follow one step with one efficiency, so the best least-squares fit misses 256M by ~7%.
    // NCCL 2.18.5 itself runs ring/Simple with the same channels, threads and chunk at both sizes, so no
    // tuner choice explains the step (docs/sources/fabric.md 1.9).
    const { rows } = await reproduce('ndm-a100-v4.all_reduce.txt', 'ndm-a100-v4', ['ndm-a100-v4.allreduce']);
    expect(worst(rows)).toBeLessThan(0.08);
    expect(worst(rows.filter((x) => x.bytes >= 2 ** 29))).toBeLessThan(0.05);
  });

  it('reads a real published NVL72 log with its Rank listing cut, and states how far the model\'s curve is from it', async () => {
    const r = await runCli(['calibrate', '--nccl-tests', fixture('gb200-nvl72.coreweave.all_reduce.txt'), '--system', 'gb200-nvl72', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.runs[0]).toMatchObject({ ranks: 72, op: 'allreduce', algorithm: 'nvls', bandwidthField: 'node.nvlsAlgbwFraction' });
    // The measured NVLS curve keeps rising to 8G; the model's plateaus by 1G: a residual, reported not hidden.
    expect(j.fits[0].residualRms).toBeGreaterThan(0.05);
  });

  it('prints the measured and reproduced busbw per size, and the preset when no --out is given', async () => {
    const r = await runCli(['calibrate', '--nccl-tests', fixture('nd-h100-v5.all_reduce.txt'), '--system', 'nd-h100-v5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/size.*measured busbw \(GB\/s\).*reproduced \(GB\/s\).*error/);
    expect(r.stdout).toMatch(/│ 8G\s+│\s+478\.87 │\s+\d+\.\d\d │\s+[-+]\d+\.\d% │/);
    expect(r.stdout).toContain('name: nd-h100-v5-calibrated');
    expect(r.stdout).toMatch(/nicAchievedFraction: 0\.94 # nccl-tests#290 \(P\)/); // kept, with its source
  });

  it('notes a log whose GPU is not the base system\'s', async () => {
    const r = await runCli(['calibrate', '--nccl-tests', fixture('nd-h100-v5.all_reduce.txt'), '--system', 'ndm-a100-v4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).notes.join('\n')).toMatch(/the log's GPU is NVIDIA H100 80GB HBM3 but ndm-a100-v4's is a100-sxm-80g/);
    const same = await runCli(['calibrate', '--nccl-tests', fixture('ndm-a100-v4.all_reduce.txt'), '--system', 'ndm-a100-v4', '--json']);
    expect(JSON.parse(same.stdout).notes.join('\n')).not.toMatch(/the log's GPU/);
  });

  it('fits the NIC latency from the small sizes of a multi-node run', async () => {
    const dir = testDir('ct-cal-');
    // A 2-node run written in the format (not a measurement): 8 B at 40 us, 8 GiB at 100 GB/s busbw.
    const rank = (i: number) => `#  Rank ${String(i).padStart(2)} Group  0 Pid      1 on     node-${i < 8 ? 0 : 1} device ${String(i % 8).padStart(2)} [0x00] NVIDIA H100 80GB HBM3`;
    const line = (bytes: number, us: number) => {
      const alg = bytes / us / 1e3;
      const cols = [us.toFixed(2), alg.toFixed(2), (alg * 1.875).toFixed(2), '0'];
      return `${String(bytes).padStart(12)}  ${String(Math.max(1, bytes / 4)).padStart(12)}     float     sum      -1  ${[...cols, ...cols].join('  ')}`;
    };
    const text = [
      '# Collective test starting: all_reduce_perf',
      ...Array.from({ length: 16 }, (_, i) => rank(i)),
      '#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong',
      line(8, 40),
      line(64, 41),
      line(1024, 42),
      line(2 ** 33, (2 ** 33 / 100e9) * 1.875 * 1e6),
    ].join('\n');
    const file = join(dir, 'two-nodes.txt');
    writeFileSync(file, text);
    const r = await runCli(['calibrate', '--nccl-tests', file, '--system', 'dgx-h100', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const lat = j.fits.find((f: { field: string }) => f.field === 'fabric.nicLatencyMicroseconds');
    expect(lat.from[0].sizes).toEqual([8, 64, 1024]);
    expect(j.runs[0].rows[0].error).toBeGreaterThan(-0.25);
    expect(j.runs[0].rows[0].error).toBeLessThan(0.25);
    expect(j.fits.find((f: { field: string }) => f.field === 'node.nicAchievedFraction').from[0].sizes).toEqual([2 ** 33]);
  });

  it('has --help with examples', async () => {
    const r = await runCli(['calibrate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: clustertwin calibrate/);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('clustertwin calibrate --nccl-tests');
  });

  it.each([
    [['--system', 'nd-h100-v5'], /^error: --nccl-tests: give one or more nccl-tests output files/],
    [['--nccl-tests', 'no-such-file.txt', '--system', 'nd-h100-v5'], /^error: --nccl-tests: cannot read no-such-file\.txt: no such file \(ENOENT\)/],
    [['--nccl-tests', fileURLToPath(new URL('./fixtures/', import.meta.url)), '--system', 'nd-h100-v5'], /^error: --nccl-tests: cannot read .*: it is a folder/],
    [['--nccl-tests', fixture('README.md'), '--system', 'nd-h100-v5'], /^error: .*README\.md: no nccl-tests results table found/],
    [['--nccl-tests', fixture('nd-h100-v5.all_reduce.txt')], /^error: --system: name the base system preset/],
    [['--nccl-tests', fixture('nd-h100-v5.all_reduce.txt'), '--system', 'nd-h100-v9'], /^error: --system: unknown system preset "nd-h100-v9"/],
    [['--nccl-tests', fixture('nd-h100-v5.all_reduce.txt'), '--system', 'ndm-a100-v4', '--algo', 'nvls'], /^error: --algo: the run used NVLS but ndm-a100-v4 has node\.nvls false/],
    [['--nccl-tests', fixture('nd-h100-v5.all_reduce.txt'), '--system', 'nd-h100-v5', '--algo', 'fast'], /^error: option '--algo <algo>' argument 'fast' is invalid/],
    [['--nccl-tests', fixture('nd-h100-v5.all_reduce.txt'), '--system', 'nd-h100-v5', '--op', 'sum'], /^error: option '--op <op>' argument 'sum' is invalid/],
    [['--nccl-tests', fixture('nd-h100-v5.all_reduce.txt'), '--system', 'nd-h100-v5', '--name', ''], /^error: --name: expected a preset name/],
    [['--nccl-tests', fixture('nd-h100-v5.all_reduce.txt'), '--system', 'nd-h100-v5', '--out', '/no/such/folder/x.yaml'], /^error: --out: cannot write \/no\/such\/folder\/x\.yaml: its folder does not exist/],
    [['--nccl-tests', fixture('nd-h100-v5.all_reduce.txt'), '--system', 'gb200-nvl72'], /^error: --system: gb200-nvl72 has 4 GPUs per node but .* runs 8 ranks on each of its 1 host/],
  ])('rejects %j with exit code 2', async (args, message) => {
    const r = await runCli(['calibrate', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
  });
});
