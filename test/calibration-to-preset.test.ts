import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GpuSpecSchema } from '../src/config/system-schema.js';

const script = fileURLToPath(new URL('../calibration/to-preset.ts', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/calibration-synthetic.json', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });

describe('calibration/to-preset.ts (on synthetic numbers: it checks the plumbing, not a GPU)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-preset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a loadable GPU preset with each efficiency figure\'s measurement beside it', () => {
    const out = join(dir, 'h100-measured.yaml');
    const r = run([fixture, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('# Written by calibration/to-preset.ts from calibration-synthetic.json')).toBe(true);
    const preset = GpuSpecSchema.parse(parse(text));
    expect(preset.name).toBe('h100-sxm-80g-measured');
    expect(preset.peakTflops.bf16).toBe(989); // the base preset's published peak
    expect(text).toMatch(/gemmPeakFraction: 0\.\d+ # sustained bf16 8192\^3 GEMMs, 700\.0 TFLOP\/s, SM clock 1755 MHz, 690 W/);
    expect(text).toMatch(/gemmTile: \[ 256, 128 \] # kept from h100-sxm-80g/);
    expect(r.stdout).toMatch(/^wrote .*h100-measured\.yaml \(preset h100-sxm-80g-measured\)/);
    // Rerunning replaces its own file.
    expect(run([fixture, '--out', out]).status).toBe(0);
  });

  it('reads the settled FP8 rate from a measure_sustained.py file of the same GPU (--sustained)', () => {
    const sustained = join(dir, 'sustained.json');
    writeFileSync(sustained, JSON.stringify({ device: 'NVIDIA H100 80GB HBM3', 'gemm8192.fp8': { settledTflops: 1235.2, settledSmMHz: 1305, settledWatts: 696.4 } }));
    const out = join(dir, 'h100-measured-fp8.yaml');
    const r = run([fixture, '--sustained', sustained, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/gemmPeakFractionFp8: 0\.\d+ # sustained fp8 8192\^3 GEMMs, 1235\.2 TFLOP\/s, SM clock 1305 MHz, 696\.4 W, .*\(sustained\.json\)/);
    expect(text.startsWith('# Written by calibration/to-preset.ts from calibration-synthetic.json + sustained.json')).toBe(true);
    // Another GPU's file, or one without the FP8 run, is refused in one line.
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ device: 'NVIDIA H200', 'gemm8192.fp8': { settledTflops: 1238 } }));
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ device: 'NVIDIA H100 80GB HBM3' }));
    for (const [file, pattern] of [[other, /^error: --sustained: .* was measured on "NVIDIA H200"/], [empty, /^error: --sustained: .* holds no settled gemm8192\.fp8 run/]] as const) {
      const bad = run([fixture, '--sustained', file, '--out', join(dir, 'y.yaml')]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(pattern);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('takes the BF16 figure from a measure_inventory.py file of the same GPU (--inventory)', () => {
    const inventory = join(dir, 'inventory.json');
    writeFileSync(inventory, JSON.stringify({ device: 'NVIDIA H100 80GB HBM3', gemmLayerShapesInterleavedBf16Tflops: { 'h2048.t4096.fc1.fwd': { mnk: [4096, 8192, 2048], tflops: 757 }, 'h4096.t8192.qkv.fwd': { mnk: [8192, 12288, 4096], tflops: 719 } } }));
    const out = join(dir, 'h100-measured-inv.yaml');
    const r = run([fixture, '--inventory', inventory, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/gemmPeakFraction: 0\.\d+ # median over 2 layer GEMMs .*\(inventory\.json\)/);
    const empty = join(dir, 'inventory-empty.json');
    writeFileSync(empty, JSON.stringify({ device: 'NVIDIA H100 80GB HBM3' }));
    const bad = run([fixture, '--inventory', empty, '--out', join(dir, 'z.yaml')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: --inventory: .* holds no gemmLayerShapesInterleavedBf16Tflops\n$/);
  });

  it('never overwrites a file it did not write, and leaves it whole', () => {
    const out = join(dir, 'hand-written.yaml');
    writeFileSync(out, 'name: mine\n');
    const r = run([fixture, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: --out: .* was not written by this script; name another file\n$/);
    expect(readFileSync(out, 'utf8')).toBe('name: mine\n');
  });

  it('answers bad input with one line and exit 2', () => {
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{ nope');
    for (const [args, pattern] of [
      [[], /^error: RESULT\.json: name the measure_gpu\.py result/],
      [[notJson], /^error: RESULT\.json: cannot read .* as JSON/],
      [[fixture, '--gpu', 'no-such-gpu', '--out', join(dir, 'x.yaml')], /^error: --gpu: unknown gpu preset "no-such-gpu"/],
    ] as const) {
      const r = run([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(run(['--help']).stdout).toMatch(/^usage: npx tsx calibration\/to-preset\.ts RESULT\.json/);
  });
});
