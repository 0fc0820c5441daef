/**
 * Turns what `measure_gpu.py` measured into a GPU preset's `efficiency` block, figure by figure, each
 * with the measurement it came from. The twin's kernel model is inverted at the measured point:
 * a GEMM fraction is the measured rate over the peak times the shape efficiency the twin gives that
 * very shape, so the preset reproduces the measurement it was derived from. Figures the file does not
 * hold keep the base preset's value and say so.
 */
import type { GpuSpec } from '../src/config/system-schema.js';
import { gemmShapeEfficiency, peakFlopsPerSecond } from '../src/compute/kernel.js';

type Efficiency = GpuSpec['efficiency'];
export type EfficiencyField = keyof Efficiency;

/** A GEMM of side SUSTAINED_GEMM_N run back to back until the board settles at its power cap. */
export interface SustainedGemm {
  tflops: number;
  smClockMHzMedian?: number | null;
  powerWattsMedian?: number | null;
  /** The file it came from, where not the main result's. */
  source?: string;
}

/** The parts of a measure_gpu.py result this derivation reads (every one optional). */
export interface CalibrationResult {
  device?: string;
  gemmSquareBf16Tflops?: Record<string, number>;
  gemmSquareFp8Tflops?: Record<string, number>;
  gemmKSweepBf16Tflops?: Record<string, number>;
  sustainedGemmBf16?: SustainedGemm;
  /** From measure_sustained.py (`gemm8192.fp8`), merged in by to-preset.ts --sustained. */
  sustainedGemmFp8?: SustainedGemm;
  /**
   * From measure_inventory.py, merged in by to-preset.ts --inventory: each GEMM of a layer's three passes
   * timed with a memory-bound kernel between calls, as GEMMs run in a training step.
   */
  gemmLayerShapesInterleavedBf16Tflops?: Record<string, { mnk: [number, number, number]; tflops: number }>;
  /** The file the interleaved rates came from. */
  interleavedSource?: string;
  flashAttention?: { forwardTflops?: number; backwardTflops?: number };
  flashAttentionForwardTflops?: number;
  flashAttentionBackwardTflops?: number;
  hbmCopyGBps?: number;
  kernelOverheadMicroseconds?: number;
}

export interface DerivedEfficiency {
  efficiency: Efficiency;
  /** Where each field's value comes from: the measurement, or "kept from <base>" and why. */
  provenance: Record<EfficiencyField, string>;
}

/** The side of the sustained-GEMM loop in measure_gpu.py (sustained_gemm's default n). */
export const SUSTAINED_GEMM_N = 8192;
/** The M = N of measure_gpu.py's reduction-dimension sweep. */
export const K_SWEEP_MN = 8192;

/** A measurement that cannot become a preset figure (it would leave the schema's range). */
export class CalibrationError extends Error {}

const withEfficiency = (gpu: GpuSpec, e: Partial<Efficiency>): GpuSpec => ({ ...gpu, efficiency: { ...gpu.efficiency, ...e } });

const numericEntries = (r: Record<string, number> | undefined): Array<[number, number]> =>
  Object.entries(r ?? {})
    .map(([k, v]) => [Number(k), v] as [number, number])
    .filter(([k, v]) => Number.isFinite(k) && k > 0 && Number.isFinite(v) && v > 0);

/**
 * K at which a GEMM reaches half its k-limited rate, from a sweep of K at fixed M = N: the twin's
 * rate is R k / (k + K), so 1/rate = 1/R + (K/R)(1/k), a straight line in 1/k; least squares gives
 * K = slope / intercept. Undefined when fewer than two points or the points do not fit the form.
 */
export function fitHalfRateK(sweep: Record<string, number> | undefined): number | undefined {
  const pts = numericEntries(sweep).map(([k, t]) => [1 / k, 1 / t] as const);
  if (pts.length < 2) return undefined;
  const n = pts.length;
  const mx = pts.reduce((s, [x]) => s + x, 0) / n;
  const my = pts.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = pts.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return undefined;
  const slope = pts.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  const intercept = my - slope * mx;
  if (!(intercept > 0) || slope < 0) return undefined;
  return slope / intercept;
}

function fraction(field: EfficiencyField, value: number, what: string): number {
  if (!(value > 0) || value > 1) {
    throw new CalibrationError(`${field}: ${what} gives ${value.toFixed(3)}, outside (0, 1]; check the preset's peak or the measurement`);
  }
  return value;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/**
 * A rate measured over back-to-back kernels with the twin's fixed per-kernel cost taken out, as the
 * twin adds that cost to every kernel it times (kernel.ts): the rate the efficiency figure stands for.
 * `amount` is one kernel's work in the rate's unit times seconds (TFLOP for TFLOP/s, GB for GB/s).
 */
const withoutOverhead = (rate: number, amount: number, overheadMicroseconds: number): number => {
  const seconds = amount / rate - overheadMicroseconds * 1e-6;
  return seconds > 0 ? amount / seconds : Number.POSITIVE_INFINITY;
};
const cubeTflop = (n: number) => (2 * n ** 3) / 1e12;
/** ", SM clock 1350 MHz, 697.85 W": the state the board settled in, where the run recorded it. */
const settledAt = (g: SustainedGemm): string =>
  `${g.smClockMHzMedian ? `, SM clock ${g.smClockMHzMedian} MHz` : ''}${g.powerWattsMedian ? `, ${g.powerWattsMedian} W` : ''}`;

/** measure_gpu.py's attention call: batch 4, 16 heads, seq 8192, head dim 128, causal (half the work). */
export const ATTENTION_FORWARD_TFLOP = (0.5 * 4 * 4 * 16 * 8192 ** 2 * 128) / 1e12;
/** measure_gpu.py's copy: 4 GiB read and 4 GiB written. */
export const COPY_GB = (2 * 4 * 2 ** 30) / 1e9;

export function deriveEfficiency(base: GpuSpec, m: CalibrationResult, file: string): DerivedEfficiency {
  const kept = (why: string) => `kept from ${base.name} (${why})`;
  const provenance = Object.fromEntries(
    (Object.keys(base.efficiency) as EfficiencyField[]).map((k) => [k, kept(`${file} does not measure it`)]),
  ) as Record<EfficiencyField, string>;
  const e: Efficiency = { ...base.efficiency };

  const overhead = base.efficiency.kernelOverheadMicroseconds;
  const sweep = Object.fromEntries(
    numericEntries(m.gemmKSweepBf16Tflops).map(([kk, t]) => [kk, withoutOverhead(t, (2 * K_SWEEP_MN * K_SWEEP_MN * kk) / 1e12, overhead)]),
  );
  const k = fitHalfRateK(sweep);
  const sweepPoints = numericEntries(m.gemmKSweepBf16Tflops).length;
  if (k !== undefined) {
    e.gemmHalfRateK = Math.round(k);
    provenance.gemmHalfRateK = `least-squares fit of k/(k+K) to ${sweepPoints} points of the ${K_SWEEP_MN}x${K_SWEEP_MN}xK bf16 sweep (${file})`;
  } else if (sweepPoints === 1) {
    provenance.gemmHalfRateK = kept(`${file} holds one point of the K sweep; a fit needs two`);
  } else if (sweepPoints > 1) {
    provenance.gemmHalfRateK = kept(`the K sweep in ${file} does not fit k/(k+K)`);
  }
  const gpuK = withEfficiency(base, { gemmHalfRateK: e.gemmHalfRateK });
  const peakBf16 = peakFlopsPerSecond(base, 'bf16') / 1e12;
  const shape = (n: number) => gemmShapeEfficiency(gpuK, n, n, n);
  /** The square GEMM whose rate, per-kernel cost taken out, sits highest over the shape model: [n, measured, core]. */
  const bestSquare = (points: Array<[number, number]>) =>
    points
      .map(([n, t]) => [n, t, withoutOverhead(t, cubeTflop(n), overhead)] as const)
      .reduce((best, cur) => (cur[2] / shape(cur[0]) > best[2] / shape(best[0]) ? cur : best));

  // BF16 GEMMs, by what was measured, best first: the layer GEMMs of the suite's shapes timed with other
  // kernels between them (the rate in a training step; the fraction is the median over the shapes of the
  // one each shape needs, so the shape model is centred on them); else the 8192^3 rate settled back to
  // back under the power cap; else the best burst rate of the square sweep.
  const squares = numericEntries(m.gemmSquareBf16Tflops);
  const burst8192 = squares.find(([n]) => n === SUSTAINED_GEMM_N)?.[1];
  const interleaved = Object.values(m.gemmLayerShapesInterleavedBf16Tflops ?? {}).filter((x) => x.tflops > 0);
  /** The fraction the twin needs to give one GEMM its measured rate. */
  const fractionFor = ([mm, nn, kk]: [number, number, number], t: number) =>
    withoutOverhead(t, (2 * mm * nn * kk) / 1e12, overhead) / (peakBf16 * gemmShapeEfficiency(gpuK, mm, nn, kk));
  let settledBf16: number | undefined;
  if (m.sustainedGemmBf16 && m.sustainedGemmBf16.tflops > 0) {
    settledBf16 = withoutOverhead(m.sustainedGemmBf16.tflops, cubeTflop(SUSTAINED_GEMM_N), overhead) / (peakBf16 * shape(SUSTAINED_GEMM_N));
  }
  if (interleaved.length > 0) {
    const each = interleaved.map((x) => fractionFor(x.mnk, x.tflops)).sort((a, b) => a - b);
    const median = each[Math.floor(each.length / 2)];
    e.gemmPeakFraction = round(fraction('gemmPeakFraction', median, 'the interleaved layer GEMMs'));
    const layers = [...new Set(Object.keys(m.gemmLayerShapesInterleavedBf16Tflops ?? {}).map((key) => key.split('.').slice(0, 2).join(' ')))];
    provenance.gemmPeakFraction = `median over ${each.length} layer GEMMs (forward, data and weight gradient; ${layers.join(', ')}) timed with a 256 MiB copy between calls, as in a step; ${round(each[0])}-${round(each[each.length - 1])} shape by shape (${m.interleavedSource ?? file})`;
  } else if (settledBf16 !== undefined && m.sustainedGemmBf16) {
    e.gemmPeakFraction = round(fraction('gemmPeakFraction', settledBf16, 'the sustained bf16 GEMM'));
    provenance.gemmPeakFraction = `sustained bf16 ${SUSTAINED_GEMM_N}^3 GEMMs, ${m.sustainedGemmBf16.tflops.toFixed(1)} TFLOP/s${settledAt(m.sustainedGemmBf16)}, over ${peakBf16} x shape efficiency ${shape(SUSTAINED_GEMM_N).toFixed(3)} (${file})`;
  } else if (squares.length > 0) {
    const [n, t, core] = bestSquare(squares);
    e.gemmPeakFraction = round(fraction('gemmPeakFraction', core / (peakBf16 * shape(n)), `the bf16 ${n}^3 GEMM`));
    provenance.gemmPeakFraction = `best burst bf16 square GEMM, ${n}^3 at ${t.toFixed(1)} TFLOP/s, over ${peakBf16} x shape efficiency ${shape(n).toFixed(3)} (${file}; no sustained run: a burst rate, above what a long step sees)`;
  }
  /** Interleaved over settled, where both were measured: how much faster GEMMs run between other kernels. */
  const interleavedGain = interleaved.length > 0 && settledBf16 !== undefined ? e.gemmPeakFraction / settledBf16 : 1;

  // FP8 GEMMs: the sustained rate when measure_sustained.py measured it; else the best square rate,
  // scaled by the bf16 sustained/burst ratio at 8192^3 when both exist, as the power cap that slows a
  // long bf16 stream slows an FP8 one too (a proxy: on H100 it gives 1200 TFLOP/s where the direct
  // sustained FP8 run gives 1235, results/h100-sxm-80g-2026-11-28*.json).
  const fp8 = numericEntries(m.gemmSquareFp8Tflops);
  const peakFp8 = base.peakTflops.fp8 ? peakFlopsPerSecond(base, 'fp8') / 1e12 : undefined;
  if (m.sustainedGemmFp8 && m.sustainedGemmFp8.tflops > 0 && peakFp8) {
    const t = m.sustainedGemmFp8.tflops;
    const core = withoutOverhead(t, cubeTflop(SUSTAINED_GEMM_N), overhead);
    e.gemmPeakFractionFp8 = round(fraction('gemmPeakFractionFp8', (core * interleavedGain) / (peakFp8 * shape(SUSTAINED_GEMM_N)), 'the sustained fp8 GEMM'));
    const gain = interleavedGain !== 1 ? ` x ${interleavedGain.toFixed(3)} (bf16 GEMMs between other kernels over bf16 back to back)` : '';
    provenance.gemmPeakFractionFp8 = `sustained fp8 ${SUSTAINED_GEMM_N}^3 GEMMs, ${t.toFixed(1)} TFLOP/s${settledAt(m.sustainedGemmFp8)}${gain}, over ${peakFp8} x shape efficiency ${shape(SUSTAINED_GEMM_N).toFixed(3)} (${m.sustainedGemmFp8.source ?? file})`;
  } else if (fp8.length > 0 && peakFp8) {
    const [n, t, core] = bestSquare(fp8);
    const throttle = m.sustainedGemmBf16 && burst8192 ? Math.min(1, m.sustainedGemmBf16.tflops / burst8192) : 1;
    e.gemmPeakFractionFp8 = round(fraction('gemmPeakFractionFp8', (core * throttle) / (peakFp8 * shape(n)), `the fp8 ${n}^3 GEMM`));
    const scaled = throttle < 1 ? ` x ${throttle.toFixed(3)} (bf16 sustained / burst at ${SUSTAINED_GEMM_N}^3)` : '';
    provenance.gemmPeakFractionFp8 = `best fp8 square GEMM, ${n}^3 at ${t.toFixed(1)} TFLOP/s${scaled}, over ${peakFp8} x shape efficiency ${shape(n).toFixed(3)} (${file})`;
  }

  // Attention: PyTorch's flash SDPA backend is FlashAttention-2, the kernel the preset's fractions describe.
  const fwdMeasured = m.flashAttention?.forwardTflops ?? m.flashAttentionForwardTflops;
  const bwdMeasured = m.flashAttention?.backwardTflops ?? m.flashAttentionBackwardTflops;
  const fwd = fwdMeasured && withoutOverhead(fwdMeasured, ATTENTION_FORWARD_TFLOP, overhead);
  const bwd = bwdMeasured && withoutOverhead(bwdMeasured, 2.5 * ATTENTION_FORWARD_TFLOP, overhead);
  const peak16 = peakFlopsPerSecond(base, 'fp16') / 1e12;
  if (fwd) {
    e.flashAttentionForwardFraction = round(fraction('flashAttentionForwardFraction', fwd / peak16, 'the flash attention forward'));
    provenance.flashAttentionForwardFraction = `PyTorch SDPA flash backend (FlashAttention-2), causal, forward ${fwdMeasured?.toFixed(1)} TFLOP/s of ${peak16} (${file})`;
  }
  if (bwd) {
    e.flashAttentionBackwardFraction = round(fraction('flashAttentionBackwardFraction', bwd / peak16, 'the flash attention backward'));
    provenance.flashAttentionBackwardFraction = `same kernel, backward ${bwdMeasured?.toFixed(1)} TFLOP/s of ${peak16} (${file})`;
  }

  if (m.hbmCopyGBps) {
    const copy = withoutOverhead(m.hbmCopyGBps, COPY_GB, overhead);
    e.hbmBandwidthFraction = round(fraction('hbmBandwidthFraction', copy / base.hbmBandwidthGBps, 'the HBM copy'));
    provenance.hbmBandwidthFraction = `device-to-device copy of 4 GiB, ${m.hbmCopyGBps.toFixed(0)} GB/s read + write of ${base.hbmBandwidthGBps} (${file})`;
  }

  if (m.kernelOverheadMicroseconds !== undefined) {
    // A one-element add launched from Python measures the host's dispatch rate as much as the GPU's
    // gap between queued kernels, so it bounds the figure from above and is not carried.
    provenance.kernelOverheadMicroseconds = kept(
      `${file} measures ${m.kernelOverheadMicroseconds.toFixed(1)} us per tiny kernel launched from Python: host dispatch, an upper bound on the GPU-side gap`,
    );
  }
  provenance.gemmTile = kept('a library property, not measured');
  provenance.runtimeReserveGiB = kept('not measured');
  return { efficiency: e, provenance };
}
