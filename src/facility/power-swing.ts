/**
 * The facility's power over one synchronous training step, from the step's event timeline: every
 * stage's GPUs draw compute power while their compute stream runs a pass or the optimizer, and the
 * low (communication, bubble, idle) power otherwise. All data-parallel replicas run in lockstep,
 * so the job's power is the pipeline's profile times the replicas: that is why the swing grows with
 * the job (Choukse et al. 2025, arXiv 2508.14318). Beside it: a checkpoint's pause and a failure
 * stopping the job's GPUs at once.
 */
import type { TimelineEvent } from '../schedule/step-simulation.js';

/** One interval of constant power. */
export interface PowerSegment {
  startSeconds: number;
  endSeconds: number;
  itMW: number;
}

export interface PowerSwing {
  /** Highest less lowest IT power within a step, MW. */
  amplitudeMW: number;
  /** The swing repeats every step. */
  periodSeconds: number;
  frequencyHz: number;
  /** The steepest change over one GPU power slew, MW/s. */
  rampMWPerSecond: number;
  peakMW: number;
  troughMW: number;
  meanMW: number;
  /** Share of the step the GPUs of the busiest stage compute. */
  computeShare: number;
  /** The step's IT power profile (at most a few thousand segments; for charts). */
  profile: PowerSegment[];
  /**
   * The swing's spectrum: the share of its AC energy (variance) in the utilities' critical band,
   * 0.1-20 Hz (the example band of arXiv 2508.14318's frequency-domain criterion, which caps the
   * share there, e.g. at 20%), and the strongest harmonic.
   */
  spectrum: { bandLowHz: number; bandHighHz: number; bandEnergyShare: number; dominantHz: number };
  checkpoint: { pauseSeconds: number; dropMW: number };
  failure: { gpus: number; dropMW: number; rampMWPerSecond: number };
  slewSeconds: number;
}

const BUSY: ReadonlySet<string> = new Set(['forward', 'backward', 'recompute', 'optimizer']);

export interface SwingInputs {
  timeline: TimelineEvent[];
  stepTimeSeconds: number;
  pp: number;
  /** GPUs on each pipeline stage across all replicas (job GPUs / PP). */
  gpusPerStage: number;
  gpuComputeWatts: number;
  gpuLowWatts: number;
  /** Power that does not follow the step (hosts, network, storage), watts. */
  staticWatts: number;
  checkpointPauseSeconds: number;
  failureGpus: number;
  slewSeconds: number;
}

export function powerSwing(x: SwingInputs): PowerSwing {
  const T = x.stepTimeSeconds;
  // +1 at a busy interval's start, -1 at its end, per stage (intervals on one stream do not overlap).
  const deltas = new Map<number, number>();
  let busySeconds = 0;
  const perStageBusy = new Array<number>(x.pp).fill(0);
  for (const e of x.timeline) {
    if (e.stream !== 'compute' || !BUSY.has(e.kind) || e.endSeconds <= e.startSeconds) continue;
    deltas.set(e.startSeconds, (deltas.get(e.startSeconds) ?? 0) + 1);
    deltas.set(e.endSeconds, (deltas.get(e.endSeconds) ?? 0) - 1);
    busySeconds += e.endSeconds - e.startSeconds;
    perStageBusy[e.stage] += e.endSeconds - e.startSeconds;
  }
  const wattsAt = (busyStages: number): number => x.staticWatts + x.gpusPerStage * (busyStages * x.gpuComputeWatts + (x.pp - busyStages) * x.gpuLowWatts);
  const times = [...deltas.keys()].sort((a, b) => a - b);
  const segments: PowerSegment[] = [];
  let busy = 0;
  let t = 0;
  for (const at of times) {
    if (at > t) segments.push({ startSeconds: t, endSeconds: Math.min(at, T), itMW: wattsAt(busy) / 1e6 });
    busy += deltas.get(at) ?? 0;
    t = Math.max(t, at);
  }
  if (t < T) segments.push({ startSeconds: t, endSeconds: T, itMW: wattsAt(busy) / 1e6 });
  const level = segments.length ? segments : [{ startSeconds: 0, endSeconds: T, itMW: wattsAt(0) / 1e6 }];
  const peakMW = Math.max(...level.map((s) => s.itMW));
  const troughMW = Math.min(...level.map((s) => s.itMW));
  const meanMW = level.reduce((a, s) => a + s.itMW * (s.endSeconds - s.startSeconds), 0) / T;
  const rampMWPerSecond = steepestRamp(level, T, x.slewSeconds);
  const meanGpuWatts = x.gpuLowWatts + ((x.gpuComputeWatts - x.gpuLowWatts) * busySeconds) / (x.pp * T);
  const dropPerGpuW = meanGpuWatts - x.gpuLowWatts;
  const failureDropMW = (x.failureGpus * dropPerGpuW) / 1e6;
  return {
    amplitudeMW: peakMW - troughMW,
    periodSeconds: T,
    frequencyHz: 1 / T,
    rampMWPerSecond,
    peakMW,
    troughMW,
    meanMW,
    computeShare: Math.max(...perStageBusy) / T,
    profile: thin(level, 4000),
    spectrum: spectrum(level, T, meanMW),
    checkpoint: { pauseSeconds: x.checkpointPauseSeconds, dropMW: (x.gpusPerStage * x.pp * dropPerGpuW) / 1e6 },
    failure: { gpus: x.failureGpus, dropMW: failureDropMW, rampMWPerSecond: failureDropMW / x.slewSeconds },
    slewSeconds: x.slewSeconds,
  };
}

/** Power at time t of a periodic step profile. */
function powerAt(segments: PowerSegment[], T: number, t: number): number {
  const u = ((t % T) + T) % T;
  for (const s of segments) if (u >= s.startSeconds && u < s.endSeconds) return s.itMW;
  return segments[segments.length - 1].itMW;
}

/** The largest |P(t + slew) - P(t)| / slew over the step, tried on each side of every edge (power repeats each step). */
function steepestRamp(segments: PowerSegment[], T: number, slew: number): number {
  let best = 0;
  const eps = Math.min(1e-9, T * 1e-9);
  for (const s of segments) {
    for (const t0 of [s.startSeconds - eps, s.startSeconds + eps - slew]) {
      best = Math.max(best, Math.abs(powerAt(segments, T, t0 + slew) - powerAt(segments, T, t0)) / slew);
    }
  }
  return best;
}

/** At most `n` segments for output: neighbours merged, each keeping the time-weighted mean. */
function thin(segments: PowerSegment[], n: number): PowerSegment[] {
  if (segments.length <= n) return segments;
  const k = Math.ceil(segments.length / n);
  const out: PowerSegment[] = [];
  for (let i = 0; i < segments.length; i += k) {
    const g = segments.slice(i, i + k);
    const dur = g[g.length - 1].endSeconds - g[0].startSeconds;
    out.push({ startSeconds: g[0].startSeconds, endSeconds: g[g.length - 1].endSeconds, itMW: g.reduce((a, s) => a + s.itMW * (s.endSeconds - s.startSeconds), 0) / dur });
  }
  return out;
}

/** Critical band of the frequency-domain criterion in arXiv 2508.14318 (its example: 0.1-20 Hz). */
export const CRITICAL_BAND_HZ = [0.1, 20] as const;
/** Harmonics summed at most (beyond, a step of seconds has left the band long before). */
const MAX_HARMONICS = 4000;

/**
 * Fourier series of the periodic step profile (piecewise constant): |c_k|^2 for k/T in the band, over
 * the variance (Parseval: variance = 2 sum_k |c_k|^2). A harmonic's coefficient is exact per segment.
 */
function spectrum(segments: PowerSegment[], T: number, meanMW: number): PowerSwing['spectrum'] {
  const [lo, hi] = CRITICAL_BAND_HZ;
  const variance = segments.reduce((a, s) => a + (s.itMW - meanMW) ** 2 * (s.endSeconds - s.startSeconds), 0) / T;
  if (!(variance > 0)) return { bandLowHz: lo, bandHighHz: hi, bandEnergyShare: 0, dominantHz: 1 / T };
  const kMax = Math.min(MAX_HARMONICS, Math.floor(hi * T));
  let band = 0;
  let best = { k: 1, e: -1 };
  for (let k = 1; k <= Math.max(1, kMax); k++) {
    const w = (2 * Math.PI * k) / T;
    let re = 0;
    let im = 0;
    // c_k = (1/T) sum P (e^{-iwa} - e^{-iwb}) / (iw)
    for (const s of segments) {
      const dRe = Math.cos(w * s.startSeconds) - Math.cos(w * s.endSeconds);
      const dIm = -Math.sin(w * s.startSeconds) + Math.sin(w * s.endSeconds);
      // divide by i: (x + iy) / i = y - ix
      re += s.itMW * dIm;
      im -= s.itMW * dRe;
    }
    const e = (2 * (re * re + im * im)) / (w * T) ** 2;
    if (e > best.e) best = { k, e };
    if (k / T >= lo && k / T <= hi) band += e;
  }
  return { bandLowHz: lo, bandHighHz: hi, bandEnergyShare: Math.min(1, band / variance), dominantHz: best.k / T };
}
