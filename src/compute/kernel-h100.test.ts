/**
 * The H100 BF16 GEMM model against measurements on a lent H100 (calibration/results/h100-sxm-80g-
 * 2026-11-28*.json): the layer GEMMs timed with other kernels between them, as in a step, which the
 * preset is derived from; the same GEMMs back to back (slower, the power cap) and in bursts (faster);
 * and the published burst rates (docs/sources/gpu-efficiency.md, "H100 BF16 by shape, burst and sustained").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveGpu } from '../config/catalog.js';
import { gemmFlops, kernelSeconds, type GemmKernel } from './kernel.js';

const gpu = resolveGpu(catalog, 'h100-sxm-80g');
const gemm = (m: number, n: number, k: number): GemmKernel => ({ kind: 'gemm', name: 'g', m, n, k, batch: 1, precision: 'bf16' });
const tflops = (m: number, n: number, k: number): number => gemmFlops(gemm(m, n, k)) / kernelSeconds(gpu, gemm(m, n, k)) / 1e12;
const result = (file: string) => JSON.parse(readFileSync(new URL(`../../calibration/results/${file}`, import.meta.url), 'utf8'));
const measured = result('h100-sxm-80g-2026-11-28.json');  // burst and settled 8192^3
const sustained = result('h100-sxm-80g-2026-11-28-sustained-fp8.json');

// [M, N, K, TFLOP/s] as published (burst: short runs at boost clock).
const BURST: Array<[number, number, number, number]> = [
  [4096, 4096, 4096, 783.3], [4096, 2048, 4096, 758.4], [2048, 4096, 4096, 753.6], [4096, 4096, 2048, 738.7],
  [2048, 2048, 4096, 738.0], [4096, 2048, 2048, 716.1], [2048, 2048, 2048, 632.0], // XLA sm_90 table
  [4096, 4096, 4096, 716.0], [6144, 6144, 6144, 741.1], [8192, 8192, 8192, 795.0], // cuBLAS, fast.cu
];

describe('H100 BF16 GEMM rate against measurements', () => {
  const inventory = result('h100-sxm-80g-2026-11-28-inventory.json');
  const between = Object.values(inventory.gemmLayerShapesInterleavedBf16Tflops) as Array<{ mnk: [number, number, number]; tflops: number }>;
  it('is centred on the layer GEMMs measured with other kernels between them, as in a step (median within 1%)', () => {
    const ratios = between.map(({ mnk, tflops: t }) => tflops(...mnk) / t).sort((a, b) => a - b);
    expect(ratios.length).toBe(60);
    expect(ratios[Math.floor(ratios.length / 2)]).toBeCloseTo(1, 1);
    expect(Math.abs(ratios[Math.floor(ratios.length / 2)] - 1)).toBeLessThan(0.01);
    // Shape by shape the model stays within 25% of every measured GEMM.
    for (const r of ratios) expect(Math.abs(r - 1)).toBeLessThan(0.25);
  });
  it('sits between the rate GEMMs settle at back to back under the cap and the burst rate', () => {
    const model = tflops(8192, 8192, 8192);
    expect(model).toBeGreaterThan(measured.sustainedGemmBf16.tflops);
    expect(model).toBeLessThan(measured.gemmSquareBf16Tflops['8192']);
    // A layer's twelve GEMMs back to back for 15 s ran 7-15% slower than the model (the cap bites harder).
    const run = sustained['layerGemms.gpt3-5b.bf16'];
    const seconds = (run.shapes as Array<[number, number, number]>).reduce((s, [m, n, k]) => s + kernelSeconds(gpu, gemm(m, n, k)), 0);
    expect(run.settledSecondsPerCall / seconds - 1).toBeGreaterThan(0.03);
    expect(run.settledSecondsPerCall / seconds - 1).toBeLessThan(0.2);
  });
  // The XLA table's timing method is not stated (its 2048^3 sits 2% under the model); the cap took 15%
  // off the measured 8192^3 burst, so 20% under a burst figure is the allowance.
  it.each(BURST)('%ix%ix%i: at most 2% over the published burst rate, and no more than 20% under it', (m, n, k, published) => {
    const model = tflops(m, n, k);
    expect(model).toBeLessThanOrEqual(published * 1.02);
    expect(model).toBeGreaterThan(published * 0.8);
  });
});
