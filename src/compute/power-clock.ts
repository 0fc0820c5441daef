/**
 * The clock a GPU sustains under its power cap, as a function of the step's own mix.
 *
 * A GEMM-dense step keeps the tensor cores drawing power for seconds and the board settles at a lower
 * clock than one whose GEMMs have memory-bound kernels and communication waits between them. A GPU
 * preset's `sustainedClock` holds the measured curve: the tensor cores' rate against the share of time
 * they work (the GEMM duty), relative to the rate at which the preset's GEMM and attention fractions
 * were measured. The step's duty comes from its own kernel costs (step-costs.ts), and the step is
 * costed again with its compute rates scaled by the curve (engine.ts, scenarioCosts). Presets without
 * a curve, or `powerClock: off`, keep the preset's rates (factor 1). Sources and the measured points:
 * docs/sources/power-clock.md.
 */
import type { GpuSpec, SustainedClock } from '../config/system-schema.js';

/** Tensor-core and busy seconds of one step on one GPU (summed over stages for the step's mix). */
export interface StepMix {
  /** Seconds the step spends in GEMMs and fused attention (tensor-core work), at the preset's rates. */
  tensorSeconds: number;
  /** Seconds the GPU is busy: all kernels plus the communication it waits for (pipeline bubbles excluded). */
  busySeconds: number;
}

/** The step's GEMM duty: its share of busy time in tensor-core work, 0 when it is not busy. */
export const gemmDuty = (mix: StepMix): number => (mix.busySeconds > 0 ? Math.min(1, Math.max(0, mix.tensorSeconds / mix.busySeconds)) : 0);

/** The curve at a duty: linear between measured points, flat beyond the first and the last. */
export function relativeClockAt(curve: SustainedClock, duty: number): number {
  const p = curve.points;
  if (duty <= p[0].gemmDuty) return p[0].relativeClock;
  for (let i = 1; i < p.length; i++) {
    if (duty <= p[i].gemmDuty) {
      const a = p[i - 1];
      const b = p[i];
      const t = (duty - a.gemmDuty) / (b.gemmDuty - a.gemmDuty);
      return a.relativeClock + t * (b.relativeClock - a.relativeClock);
    }
  }
  return p[p.length - 1].relativeClock;
}

/** The compute rate at a duty relative to the rate the preset's fractions were measured at. */
export const clockFactorAt = (curve: SustainedClock, duty: number): number => relativeClockAt(curve, duty) / relativeClockAt(curve, curve.referenceGemmDuty);

/** What the sustained clock does to one step. */
export interface PowerClock {
  /** The step's GEMM duty at the sustained clock (after the fixed-point iteration). */
  gemmDuty: number;
  /** Compute-rate factor applied to GEMMs and attention (1: unchanged). */
  factor: number;
}

/**
 * The step's sustained clock. The curve's duty is measured at the settled clock, while the step's
 * costs are at the preset's rate; slowing the tensor work raises its share, so one fixed-point
 * iteration follows: duty d0 from the unscaled costs, factor f0 = curve(d0); the tensor seconds
 * stretched by 1/f0 give d1 >= d0, and f = curve(d1). The iteration needs no second step costing
 * (the non-tensor busy time is held fixed), and since the curve falls with duty it climbs monotonically
 * towards the fixed point, so f is never faster than the unscaled guess; iterating to convergence
 * moved the factor by at most 0.007% on the suite's 86 H100 steps (the curve is flat up to its knee).
 */
export function sustainedClock(curve: SustainedClock | undefined, mix: StepMix): PowerClock {
  const d0 = gemmDuty(mix);
  if (!curve) return { gemmDuty: d0, factor: 1 };
  const f0 = clockFactorAt(curve, d0);
  const stretched = mix.tensorSeconds / f0;
  const d1 = gemmDuty({ tensorSeconds: stretched, busySeconds: mix.busySeconds - mix.tensorSeconds + stretched });
  return { gemmDuty: d1, factor: clockFactorAt(curve, d1) };
}

/**
 * The GPU with its tensor-core rates (GEMM fractions, fused-attention fractions) scaled by a clock
 * factor; memory-bound kernels keep the HBM rate (the duty sweep's copies ran 3020-3035 GB/s at every
 * clock from 1380 to 1980 MHz). Fractions stay within the schema's (0, 1].
 */
export function withClockFactor(gpu: GpuSpec, factor: number): GpuSpec {
  if (factor === 1) return gpu;
  const e = gpu.efficiency;
  const scale = (x: number): number => Math.min(1, x * factor);
  return {
    ...gpu,
    efficiency: {
      ...e,
      gemmPeakFraction: scale(e.gemmPeakFraction),
      ...(e.gemmPeakFractionFp8 !== undefined ? { gemmPeakFractionFp8: scale(e.gemmPeakFractionFp8) } : {}),
      flashAttentionForwardFraction: scale(e.flashAttentionForwardFraction),
      flashAttentionBackwardFraction: scale(e.flashAttentionBackwardFraction),
    },
  };
}
