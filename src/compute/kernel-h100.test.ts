/**
 * The H100 BF16 GEMM model against published rates (docs/sources/gpu-efficiency.md, "H100 BF16 by
 * shape, burst and sustained"): it must sit at or below the burst figures of cuBLAS and XLA's sm_90
 * table, and within a few percent of the sustained (power-capped) rate it is grounded on.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveGpu } from '../config/catalog.js';
import { gemmFlops, kernelSeconds, type GemmKernel } from './kernel.js';

const gpu = resolveGpu(catalog, 'h100-sxm-80g');
const tflops = (m: number, n: number, k: number): number => {
  const g: GemmKernel = { kind: 'gemm', name: 'g', m, n, k, batch: 1, precision: 'bf16' };
  return gemmFlops(g) / kernelSeconds(gpu, g) / 1e12;
};

// [M, N, K, TFLOP/s] as published (burst: short runs at boost clock).
const BURST: Array<[number, number, number, number]> = [
  [4096, 4096, 4096, 783.3], [4096, 2048, 4096, 758.4], [2048, 4096, 4096, 753.6], [4096, 4096, 2048, 738.7],
  [2048, 2048, 4096, 738.0], [4096, 2048, 2048, 716.1], [2048, 2048, 2048, 632.0], // XLA sm_90 table
  [4096, 4096, 4096, 716.0], [6144, 6144, 6144, 741.1], [8192, 8192, 8192, 795.0], // cuBLAS, fast.cu
];

describe('H100 BF16 GEMM rate against published measurements', () => {
  it.each(BURST)('%ix%ix%i: at most the burst rate, and within 13% of it', (m, n, k, published) => {
    const model = tflops(m, n, k);
    expect(model).toBeLessThanOrEqual(published * 1.01);
    expect(model).toBeGreaterThan(published * 0.87);
  });
  it('is within 6% of the sustained rate at the 700 W cap (MSMF, same GH100 die)', () => {
    expect(tflops(1536, 2816, 6144) / 745 - 1).toBeGreaterThan(-0.06);
    expect(tflops(1536, 2816, 6144) / 745 - 1).toBeLessThan(0.01);
    expect(tflops(4096, 4096, 4096) / 743 - 1).toBeGreaterThan(-0.06);
  });
});
