/**
 * The instances people rent (issue #18): every cloud and AMD preset resolves and simulates a real
 * job, its figures are the ones its YAML states, and each cites its sources.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from './support/catalog.js';
import { resolveSystem, resolveGpu } from '../src/config/catalog.js';
import { simulate } from '../src/engine.js';
import { packageRoot } from '../src/node/presets.js';

const CLOUD = ['aws-p5', 'aws-p5en', 'aws-p6-b200', 'gcp-a3-mega', 'gcp-a3-ultra', 'gcp-a4', 'oci-h100', 'amd-mi300x', 'amd-mi325x'];

describe('cloud and AMD system presets', () => {
  it.each(CLOUD)('%s resolves and simulates llama3-70b on 64 GPUs', (name) => {
    const s = resolveSystem(catalog, name);
    expect(s.node.gpusPerNode).toBe(8);
    const r = simulate({ system: name, model: 'llama3-70b', gpus: 64, seq: 8192, gbs: 256 }, catalog);
    expect(r.stepTimeSeconds).toBeGreaterThan(0);
    expect(Number.isFinite(r.stepTimeSeconds)).toBe(true);
    expect(r.fitsInMemory).toBe(true);
    expect(r.mfu).toBeGreaterThan(0.05);
    expect(r.mfu).toBeLessThan(1);
  });

  it.each(CLOUD)('%s states a per-GPU-hour price and its sources', (name) => {
    const text = readFileSync(join(packageRoot(), 'presets', 'systems', `${name}.yaml`), 'utf8');
    expect(text).toMatch(/^# Sources:/m);
    const priceLine = text.split('\n').find((l) => l.trimStart().startsWith('usdPerGpuHour:'));
    expect(priceLine, name).toMatch(/#\s*\S/); // the price carries a comment: its source or its U
    expect(resolveSystem(catalog, name).pricing.usdPerGpuHour).toBeGreaterThan(0);
  });

  it('puts the EFA and TCPXO instances on their fabric kinds and the others on RoCE', () => {
    expect(['aws-p5', 'aws-p5en', 'aws-p6-b200'].map((n) => resolveSystem(catalog, n).fabric.kind)).toEqual(['efa', 'efa', 'efa']);
    expect(resolveSystem(catalog, 'gcp-a3-mega').fabric.kind).toBe('tcpx');
    for (const n of ['gcp-a3-ultra', 'gcp-a4', 'oci-h100', 'amd-mi300x', 'amd-mi325x']) expect(resolveSystem(catalog, n).fabric.kind, n).toBe('roce');
  });

  it('gives each node the scale-out bandwidth its instance sells (3.2 Tb/s; A3 Mega 1.6 Tb/s of GPU NICs)', () => {
    const tbps = (n: string): number => {
      const s = resolveSystem(catalog, n).node;
      return (s.nicsPerNode * s.nicGbps) / 1000;
    };
    for (const n of ['aws-p5', 'aws-p5en', 'aws-p6-b200', 'gcp-a3-ultra', 'gcp-a4', 'oci-h100', 'amd-mi300x', 'amd-mi325x']) expect(tbps(n), n).toBe(3.2);
    expect(tbps('gcp-a3-mega')).toBe(1.6);
  });

  it('describes MI300X as AMD does: 7 xGMI links of 64 GB/s, no in-fabric reduction, 304 CUs', () => {
    const s = resolveSystem(catalog, 'amd-mi300x');
    expect(s.node.nvlinkGBpsPerGpu).toBe(7 * 64);
    expect(s.node.nvls).toBe(false);
    const mi300x = resolveGpu(catalog, 'mi300x');
    const mi325x = resolveGpu(catalog, 'mi325x');
    expect(mi300x.smCount).toBe(304);
    expect(mi325x.peakTflops.bf16).toBe(mi300x.peakTflops.bf16); // same compute, more memory
    expect(mi325x.hbmGiB).toBeGreaterThan(mi300x.hbmGiB);
  });
});
