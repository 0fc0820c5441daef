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
    expect(t).toBeCloseTo(bytes / (h100.hbmBandwidthGBps * 1e9 * h100.efficiency.hbmBandwidthFraction) + h100.efficiency.kernelOverheadMicroseconds * 1e-6, 9);
    expect(t).toBeCloseTo(bytes / (3350e9 * 0.905) + 2e-6, 9); // the preset's figures, measured 2026-11-28
  });
});

describe('attention kernels', () => {
  const flops = 1e12;
  const attn = (pass: 'forward' | 'backward', implementation: 'fa2' | 'triton') =>
    kernelSeconds(a100, { kind: 'attention', name: 'a', pass, flops, implementation });
  it('runs FlashAttention-2 near its published A100 rate (up to 230 TFLOP/s forward)', () => {
    const tf = flops / attn('forward', 'fa2') / 1e12;
    expect(tf).toBeGreaterThan(150);
    expect(tf).toBeLessThanOrEqual(230);
  });
  it('runs the Triton kernel 1.3-1.5x slower forward and about 2x slower backward (Dao 2023)', () => {
    const fwd = attn('forward', 'triton') / attn('forward', 'fa2');
    const bwd = attn('backward', 'triton') / attn('backward', 'fa2');
    expect(fwd).toBeGreaterThanOrEqual(1.3);
    expect(fwd).toBeLessThanOrEqual(1.5);
    expect(bwd).toBeGreaterThan(1.8);
    expect(bwd).toBeLessThan(2.2);
  });
});
