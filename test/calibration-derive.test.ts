import { describe, expect, it } from 'vitest';
import { catalog } from './support/catalog.js';
import { resolveGpu } from '../src/config/catalog.js';
import type { GpuSpec } from '../src/config/system-schema.js';
import { gemmFlops, kernelSeconds, type GemmKernel } from '../src/compute/kernel.js';
import { ATTENTION_FORWARD_TFLOP, COPY_GB, CalibrationError, deriveEfficiency, fitHalfRateK, K_SWEEP_MN, SUSTAINED_GEMM_N, type CalibrationResult } from '../calibration/derive-efficiency.js';

const h100 = resolveGpu(catalog, 'h100-sxm-80g');
const gemm = (m: number, n: number, k: number, precision: 'bf16' | 'fp8' = 'bf16'): GemmKernel => ({ kind: 'gemm', name: 'g', m, n, k, batch: 1, precision });
const tflops = (gpu: GpuSpec, g: GemmKernel) => gemmFlops(g) / kernelSeconds(gpu, g) / 1e12;

/** What measure_gpu.py would report on a GPU that behaved exactly like `gpu` in the twin's kernel model. */
function measuredLike(gpu: GpuSpec): CalibrationResult {
  const attn = (pass: 'forward' | 'backward') => 1e12 / kernelSeconds(gpu, { kind: 'attention', name: 'a', pass, flops: 1e12, implementation: 'fa2' }) / 1e12;
  const copy = 2 ** 32;
  return {
    device: 'NVIDIA H100 80GB HBM3',
    gemmKSweepBf16Tflops: Object.fromEntries([256, 512, 1024, 2048, 4096, 8192, 16384].map((k) => [k, tflops(gpu, gemm(K_SWEEP_MN, K_SWEEP_MN, k))])),
    gemmSquareFp8Tflops: Object.fromEntries([4096, 8192, 16384].map((n) => [n, tflops(gpu, gemm(n, n, n, 'fp8'))])),
    sustainedGemmBf16: { tflops: tflops(gpu, gemm(SUSTAINED_GEMM_N, SUSTAINED_GEMM_N, SUSTAINED_GEMM_N)) },
    flashAttention: { forwardTflops: attn('forward'), backwardTflops: attn('backward') },
    hbmCopyGBps: copy / kernelSeconds(gpu, { kind: 'memory', name: 'copy', bytes: copy }) / 1e9,
  };
}

describe('calibration: deriving a preset\'s efficiency figures from measurements', () => {
  it('recovers the reduction-dimension constant from a K sweep shaped as the twin\'s k/(k+K)', () => {
    const sweep = Object.fromEntries([256, 512, 1024, 4096, 16384].map((k) => [k, (800 * k) / (k + 300)]));
    expect(fitHalfRateK(sweep)).toBeCloseTo(300, 6);
    expect(fitHalfRateK({ 2048: 700 })).toBeUndefined();
    // Faster at short K than at long K is not the form: no fit rather than a negative constant.
    expect(fitHalfRateK({ 256: 800, 16384: 400 })).toBeUndefined();
  });

  it('inverts the kernel model: figures measured on a GPU that behaves like a known preset give that preset back', () => {
    const target: GpuSpec = {
      ...h100,
      efficiency: { ...h100.efficiency, gemmPeakFraction: 0.7, gemmPeakFractionFp8: 0.62, gemmHalfRateK: 320, flashAttentionForwardFraction: 0.31, flashAttentionBackwardFraction: 0.26, hbmBandwidthFraction: 0.8 },
    };
    const { efficiency, provenance } = deriveEfficiency(h100, measuredLike(target), 'synthetic.json');
    expect(efficiency.gemmHalfRateK).toBe(320);
    expect(efficiency.gemmPeakFraction).toBeCloseTo(0.7, 3);
    expect(efficiency.gemmPeakFractionFp8).toBeCloseTo(0.62, 2);
    expect(efficiency.flashAttentionForwardFraction).toBeCloseTo(0.31, 3);
    expect(efficiency.flashAttentionBackwardFraction).toBeCloseTo(0.26, 3);
    expect(efficiency.hbmBandwidthFraction).toBeCloseTo(0.8, 3);
    expect(provenance.gemmPeakFraction).toMatch(/^sustained bf16 8192\^3 GEMMs, \d+\.\d TFLOP\/s, over 989 x shape efficiency 0\.\d{3} \(synthetic\.json\)$/);
    // And the derived preset predicts the measurement it came from.
    const derived = { ...h100, efficiency };
    const g = gemm(SUSTAINED_GEMM_N, SUSTAINED_GEMM_N, SUSTAINED_GEMM_N);
    expect(tflops(derived, g) / tflops(target, g)).toBeCloseTo(1, 3);
  });

  it('keeps what the file does not measure, and says why beside each kept figure', () => {
    const { efficiency, provenance } = deriveEfficiency(h100, { hbmCopyGBps: 2900, kernelOverheadMicroseconds: 6.5 }, 'r.json');
    expect(efficiency).toEqual({ ...h100.efficiency, hbmBandwidthFraction: Number((2900 / 3350).toFixed(3)) });
    expect(provenance.gemmPeakFraction).toBe('kept from h100-sxm-80g (r.json does not measure it)');
    expect(provenance.gemmTile).toMatch(/^kept from h100-sxm-80g \(a library property/);
    // A tiny kernel launched from Python times the host, so the figure is shown and not carried.
    expect(efficiency.kernelOverheadMicroseconds).toBe(h100.efficiency.kernelOverheadMicroseconds);
    expect(provenance.kernelOverheadMicroseconds).toMatch(/6\.5 us per tiny kernel launched from Python/);
  });

  it('uses the best burst rate when no sustained run was measured, and says it is a burst rate', () => {
    const { provenance } = deriveEfficiency(h100, { gemmSquareBf16Tflops: { 4096: 650, 8192: 700 } }, 'r.json');
    expect(provenance.gemmPeakFraction).toMatch(/^best burst bf16 square GEMM, .*a burst rate/);
  });

  it('takes the FP8 figure from a settled FP8 run when there is one, naming its file, else from the throttled burst proxy', () => {
    const target: GpuSpec = { ...h100, efficiency: { ...h100.efficiency, gemmPeakFractionFp8: 0.6 } };
    const fp8Sustained = tflops(target, gemm(SUSTAINED_GEMM_N, SUSTAINED_GEMM_N, SUSTAINED_GEMM_N, 'fp8'));
    const base = { ...measuredLike(h100), gemmSquareBf16Tflops: { 8192: 900 } };
    const direct = deriveEfficiency(h100, { ...base, sustainedGemmFp8: { tflops: fp8Sustained, smClockMHzMedian: 1305, powerWattsMedian: 696, source: 's.json' } }, 'r.json');
    expect(direct.efficiency.gemmPeakFractionFp8).toBeCloseTo(0.6, 3);
    expect(direct.provenance.gemmPeakFractionFp8).toMatch(/^sustained fp8 8192\^3 GEMMs, \d+\.\d TFLOP\/s, SM clock 1305 MHz, 696 W, .*\(s\.json\)$/);
    // Without it, the best burst FP8 rate is scaled by the bf16 sustained / burst ratio (here below 1).
    const proxy = deriveEfficiency(h100, base, 'r.json');
    expect(proxy.provenance.gemmPeakFractionFp8).toMatch(/^best fp8 square GEMM, .* x 0\.\d{3} \(bf16 sustained \/ burst at 8192\^3\)/);
    expect(proxy.efficiency.gemmPeakFractionFp8).toBeLessThan(h100.efficiency.gemmPeakFractionFp8 ?? 1);
  });

  it('centres the BF16 figure on layer GEMMs timed between other kernels when given, and lifts FP8 by the same gain', () => {
    const target: GpuSpec = { ...h100, efficiency: { ...h100.efficiency, gemmPeakFraction: 0.75 } };
    const shapes: Array<[number, number, number]> = [[12288, 6144, 2048], [4096, 2048, 8192], [8192, 16384, 4096], [2048, 2048, 12288], [4096, 32768, 8192]];
    const layerRates = Object.fromEntries(shapes.map((mnk, i) => [`s${i}`, { mnk, tflops: tflops(target, gemm(...mnk)) }]));
    const settled = { tflops: tflops({ ...h100, efficiency: { ...h100.efficiency, gemmPeakFraction: 0.7 } }, gemm(8192, 8192, 8192)) };
    const fp8 = { tflops: tflops({ ...h100, efficiency: { ...h100.efficiency, gemmPeakFractionFp8: 0.6 } }, gemm(8192, 8192, 8192, 'fp8')) };
    const d = deriveEfficiency(h100, { sustainedGemmBf16: settled, sustainedGemmFp8: fp8, gemmLayerShapesInterleavedBf16Tflops: layerRates, interleavedSource: 'inv.json' }, 'r.json');
    expect(d.efficiency.gemmPeakFraction).toBeCloseTo(0.75, 3);
    expect(d.provenance.gemmPeakFraction).toMatch(/^median over 5 layer GEMMs .* timed with a 256 MiB copy between calls, as in a step; .*\(inv\.json\)$/);
    // FP8: the settled rate times 0.75 / 0.7, the gain BF16 GEMMs showed between other kernels.
    expect(d.efficiency.gemmPeakFractionFp8).toBeCloseTo((0.6 * 0.75) / 0.7, 2);
    expect(d.provenance.gemmPeakFractionFp8).toMatch(/x 1\.07\d \(bf16 GEMMs between other kernels over bf16 back to back\)/);
  });

  it('refuses a measurement that would put a figure outside (0, 1], naming the field', () => {
    expect(() => deriveEfficiency(h100, { hbmCopyGBps: 4000 }, 'r.json')).toThrow(CalibrationError);
    expect(() => deriveEfficiency(h100, { sustainedGemmBf16: { tflops: 2000 } }, 'r.json')).toThrow(/^gemmPeakFraction: /);
  });
});
