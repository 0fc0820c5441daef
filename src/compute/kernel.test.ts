import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog } from '../../test/support/catalog.js';
import { resolveGpu } from '../config/catalog.js';
import { gemmFlops, gemmShapeEfficiency, kernelSeconds, type GemmKernel } from './kernel.js';

const a100 = resolveGpu(catalog, 'a100-sxm-80g');
const h100 = resolveGpu(catalog, 'h100-sxm-80g');
const gemm = (m: number, n: number, k: number, precision: GemmKernel['precision'] = 'bf16'): GemmKernel => ({ kind: 'gemm', name: 'g', m, n, k, batch: 1, precision });
const tflops = (gpu: typeof a100, g: GemmKernel) => gemmFlops(g) / kernelSeconds(gpu, g) / 1e12;

describe('GEMM efficiency model', () => {
  it('reaches the measured large-GEMM rate, and never the best-shape maximum (MAMF 271.2)', () => {
    expect(tflops(a100, gemm(16384, 16384, 16384))).toBeGreaterThan(0.97 * 256.5);
    expect(tflops(a100, gemm(16384, 16384, 16384))).toBeLessThanOrEqual(271.2);
  });
  it('follows the A100 cuBLASLt size sweep within 15% (Azure AI-benchmarking-guide)', () => {
    const measured: Array<[number, number]> = [
      [1024, 119.4],
      [2048, 221.8],
      [4096, 228.0],
      [8192, 253.7],
      [16384, 256.5],
    ];
    for (const [n, t] of measured) expect(Math.abs(tflops(a100, gemm(n, n, n)) / t - 1)).toBeLessThan(0.15);
  });
  it('makes small GEMMs slower per FLOP than large ones', () => {
    expect(tflops(h100, gemm(256, 256, 256))).toBeLessThan(0.5 * tflops(h100, gemm(8192, 8192, 8192)));
    expect(gemmShapeEfficiency(h100, 8192, 8192, 64)).toBeLessThan(gemmShapeEfficiency(h100, 8192, 8192, 8192));
  });
  it('runs fp8 faster than bf16 on Hopper, by less than the 2x peak ratio', () => {
    const ratio = tflops(h100, gemm(8192, 8192, 8192, 'fp8')) / tflops(h100, gemm(8192, 8192, 8192));
    expect(ratio).toBeGreaterThan(1.5);
    expect(ratio).toBeLessThan(2);
  });
  it('never lets a GEMM exceed the peak', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 20000 }), (m, n, k) => {
        return tflops(h100, gemm(m, n, k)) <= 989;
      }),
    );
  });
  it('times memory-bound kernels at achieved HBM bandwidth', () => {
    const bytes = 1e9;
    const t = kernelSeconds(h100, { kind: 'memory', name: 'copy', bytes });
    expect(t).toBeCloseTo(bytes / (3350e9 * 0.88) + 2e-6, 9);
  });
});
