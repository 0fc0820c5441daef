/**
 * The B200 and GB200 GEMM figures against published sweeps (docs/sources/blackwell.md sec. 2). No Blackwell
 * GPU was measured for this project, so each figure is carried over from H100's measured one by a ratio
 * that one tool measured on both GPUs: the model must stand to a Blackwell sweep as it stands to the same
 * tool's H100 sweep. Best-shape bursts (MAMF) are checked only as an upper bound.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveGpu } from '../config/catalog.js';
import type { GpuSpec } from '../config/system-schema.js';
import { gemmFlops, kernelSeconds, type GemmKernel, type GemmPrecision } from './kernel.js';

const h100 = resolveGpu(catalog, 'h100-sxm-80g');
const b200 = resolveGpu(catalog, 'b200-sxm-180g');
const gb200 = resolveGpu(catalog, 'gb200-186g');

const tflops = (gpu: GpuSpec, precision: GemmPrecision, m: number, n: number, k: number, batch = 1): number => {
  const g: GemmKernel = { kind: 'gemm', name: 'g', m, n, k, batch, precision };
  return gemmFlops(g) / kernelSeconds(gpu, g) / 1e12;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// cuBLASLt FP8 (superbench cublaslt_gemm, random data, 10,000 warm-up iterations: settled at the power cap).
// [M, N, K, ND H100 v5, ND GB200 v6 @fa799957, ND GB200 v6 @154d35c0] in TFLOP/s (Azure/AI-benchmarking-guide).
const AZURE_FP8: Array<[number, number, number, number, number, number]> = [
  [4096, 4096, 4096, 1216.9, 2834.6, 2802.7],
  [8192, 8192, 8192, 1290.1, 2876.6, 2848.0],
  [16384, 16384, 16384, 1377.3, 2906.9, 2929.0],
  [32768, 32768, 32768, 1382.2, 2825.6, 2973.3],
  [6144, 12288, 12288, 1351.4, 2895.6, 2928.9],
];
// XLA's default matmul table, bf16 x bf16 -> bf16: [batch, M, N, K, sm_90 (H100), sm_100] in TFLOP/s.
const XLA_BF16: Array<[number, number, number, number, number, number]> = [
  [1, 4096, 4096, 4096, 783.3, 1416.9],
  [1, 4096, 2048, 4096, 758.4, 1343.5],
  [1, 4096, 4096, 2048, 738.7, 1277.8],
  [4, 4096, 4096, 4096, 788.7, 1670.5],
  [4, 4096, 2048, 4096, 804.7, 1465.7],
  [4, 4096, 4096, 2048, 759.5, 1539.9],
];
// Best-shape means of 100 calls with an L2 flush between (MAMF, stas00/ml-engineering): [M, N, K, TFLOP/s].
const MAMF = {
  gb200: { bf16: [4096, 9728, 2048, 1822.0], fp8: [19456, 5120, 1536, 3615.6] },
  b200: { bf16: [1792, 16128, 3072, 1745.0], fp8: [15360, 4096, 3072, 3432.5] },
} as const;

describe('Blackwell GEMM rates carried over from H100 by same-tool sweeps', () => {
  it('GB200 FP8 stands to Azure\'s settled cuBLASLt sweep as H100 does (median within 2%)', () => {
    const rel = AZURE_FP8.flatMap(([m, n, k, h, ...gs]) => {
      const onH100 = tflops(h100, 'fp8', m, n, k) / h;
      return gs.map((g) => tflops(gb200, 'fp8', m, n, k) / g / onH100);
    });
    expect(Math.abs(median(rel) - 1)).toBeLessThan(0.02);
    // Shape by shape within 25%: the model's size curve is steeper on 152 SMs than the measured one, which is
    // flat from 4096^3 to 32768^3 at the cap.
    for (const r of rel) expect(Math.abs(r - 1)).toBeLessThan(0.25);
  });
  it('B200 BF16 stands to XLA\'s sm_100 table as H100 does to its sm_90 one (median within 2%)', () => {
    const rel = XLA_BF16.map(([b, m, n, k, h, s]) => tflops(b200, 'bf16', m, n, k, b) / s / (tflops(h100, 'bf16', m, n, k, b) / h));
    expect(Math.abs(median(rel) - 1)).toBeLessThan(0.02);
    for (const r of rel) expect(Math.abs(r - 1)).toBeLessThan(0.25);
  });
  it('the two figures without a sweep of their own agree with both routes to them (within 2%)', () => {
    const f = (g: GpuSpec, p: 'bf16' | 'fp8') => (p === 'fp8' ? g.efficiency.gemmPeakFractionFp8 ?? 0 : g.efficiency.gemmPeakFraction);
    const peak = (g: GpuSpec, p: 'bf16' | 'fp8') => (p === 'fp8' ? g.peakTflops.fp8 ?? 0 : g.peakTflops.bf16 ?? 0);
    const rate = (g: GpuSpec, p: 'bf16' | 'fp8') => f(g, p) * peak(g, p);
    const mamf = (gpu: 'gb200' | 'b200', p: 'bf16' | 'fp8') => MAMF[gpu][p][3];
    // GB200 BF16: its FP8 rate times its own BF16/FP8 MAMF ratio; B200's BF16 rate times the GB200/B200 BF16 MAMF ratio.
    for (const route of [rate(gb200, 'fp8') * (mamf('gb200', 'bf16') / mamf('gb200', 'fp8')), rate(b200, 'bf16') * (mamf('gb200', 'bf16') / mamf('b200', 'bf16'))]) {
      expect(Math.abs(rate(gb200, 'bf16') / route - 1)).toBeLessThan(0.02);
    }
    // B200 FP8: its BF16 rate times its FP8/BF16 MAMF ratio; GB200's FP8 rate times the B200/GB200 FP8 MAMF ratio.
    for (const route of [rate(b200, 'bf16') * (mamf('b200', 'fp8') / mamf('b200', 'bf16')), rate(gb200, 'fp8') * (mamf('b200', 'fp8') / mamf('gb200', 'fp8'))]) {
      expect(Math.abs(rate(b200, 'fp8') / route - 1)).toBeLessThan(0.02);
    }
  });
  it.each([
    ['gb200', gb200, 'bf16'], ['gb200', gb200, 'fp8'], ['b200', b200, 'bf16'], ['b200', b200, 'fp8'],
  ] as const)('%s %s: below the best-shape burst (MAMF), as H100\'s figure is below its own (727 against 794.5)', (name, gpu, p) => {
    const [m, n, k, published] = MAMF[name][p];
    expect(tflops(gpu, p, m, n, k)).toBeLessThan(published);
  });
  it('GB200 runs a large GEMM faster than B200 and B200 faster than H100, in both precisions', () => {
    for (const p of ['bf16', 'fp8'] as const) {
      const [g, b, h] = [gb200, b200, h100].map((gpu) => tflops(gpu, p, 8192, 8192, 8192));
      expect(g).toBeGreaterThan(b);
      expect(b).toBeGreaterThan(h);
    }
  });
});
