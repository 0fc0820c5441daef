/**
 * The search space of the planner: every way to split one training job over
 * its GPUs (TP x CP x PP x DP x EP, virtual stages, micro-batch, ZeRO stage,
 * recompute, sequence parallelism) that the engine accepts. The rules mirror
 * `resolveExecution` so that invalid splits are never generated; the engine
 * stays the authority and the search counts anything it still rejects.
 *
 * The outer dimensions (TP, CP, PP) form groups: the unit of work a thread
 * takes. Everything here is ordered, so the n-th split is the same in every
 * thread and every run.
 */
import type { ModelSpec } from '../config/model-schema.js';
import type { SystemSpec } from '../config/system-schema.js';
import { PLANNED_RECOMPUTE_MODES, type RecomputeMode } from '../config/execution-schema.js';
import { defaultLayerSplit } from '../parallel/stage-split.js';

/** One way to split a job: the dimensions the planner searches. */
export interface Split {
  tp: number;
  pp: number;
  cp: number;
  ep: number;
  vp: number;
  mbs: number;
  zero: 0 | 1 | 2 | 3;
  recompute: RecomputeMode;
  sp: boolean;
}

export const SPLIT_KEYS = ['tp', 'pp', 'cp', 'ep', 'vp', 'mbs', 'zero', 'recompute', 'sp'] as const;

/** The split of an execution (its searched dimensions). */
export function splitOf(e: Split): Split {
  return { tp: e.tp, pp: e.pp, cp: e.cp, ep: e.ep, vp: e.vp, mbs: e.mbs, zero: e.zero, recompute: e.recompute, sp: e.sp };
}

/** Dimensions the user fixed (a plan with `--tp 8` searches only TP 8). */
export interface FixedDims extends Partial<Split> {
  dp?: number;
  layersPerStage?: number[];
}

/** What one search answers for: everything but the split. */
export interface Workload {
  system: SystemSpec;
  model: ModelSpec;
  gpus: number;
  /** Global batch, sequences. */
  gbs: number;
  /** Sequence length, tokens. */
  seq: number;
  fixed: FixedDims;
}

/** The outer loops of the search. */
export interface SplitGroup {
  tp: number;
  cp: number;
  pp: number;
  dp: number;
  layersPerStage: number[];
}

const divisors = (n: number): number[] => {
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 1; i * i <= n; i++) {
    if (n % i !== 0) continue;
    small.push(i);
    if (i * i !== n) large.unshift(n / i);
  }
  return [...small, ...large];
};

const only = <T>(values: readonly T[], fixed: T | undefined): T[] =>
  fixed === undefined ? [...values] : values.filter((v) => v === fixed);

/** TP x CP x PP combinations that divide the GPUs, the heads, the sequence and the batch. */
export function splitGroups(w: Workload): SplitGroup[] {
  const { model: m, gpus, gbs, seq, fixed } = w;
  const groups: SplitGroup[] = [];
  const tps = only(divisors(gpus), fixed.tp).filter((tp) => m.heads % tp === 0 && m.kvHeads % tp === 0 && m.ffnHidden % tp === 0);
  for (const tp of tps) {
    // Ring attention with load balancing needs the sequence in 2 x CP chunks.
    const cps = only(divisors(gpus / tp), fixed.cp).filter((cp) => cp === 1 || seq % (2 * cp) === 0);
    for (const cp of cps) {
      const pps = fixed.layersPerStage ? [fixed.layersPerStage.length] : divisors(gpus / (tp * cp));
      for (const pp of only(pps, fixed.pp)) {
        if (pp > m.layers || (gpus / (tp * cp)) % pp !== 0) continue;
        const dp = gpus / (tp * cp * pp);
        if (gbs % dp !== 0 || (fixed.dp !== undefined && fixed.dp !== dp)) continue;
        groups.push({ tp, cp, pp, dp, layersPerStage: fixed.layersPerStage ?? defaultLayerSplit(m.layers, pp) });
      }
    }
  }
  return groups;
}

/**
 * Calls `visit` with every split of a group, in a fixed order. The split
 * object is reused between calls: copy it to keep it.
 */
export function forEachSplit(w: Workload, g: SplitGroup, visit: (split: Split) => void): void {
  const { model: m, fixed } = w;
  const eps = m.moe ? divisors(m.moe.experts).filter((ep) => (g.dp * g.cp) % ep === 0) : [1];
  const minLayers = Math.min(...g.layersPerStage);
  const zeros = (g.pp > 1 ? [0, 1] : [0, 1, 2, 3]) as Split['zero'][];
  const sps = fixed.sp !== undefined ? [fixed.sp] : g.tp > 1 ? [true, false] : [false];
  // A fixed mode is searched whatever it is; left free, the planner tries the general-purpose ones.
  const recomputes: RecomputeMode[] = fixed.recompute !== undefined ? [fixed.recompute] : [...PLANNED_RECOMPUTE_MODES];
  const split: Split = { tp: g.tp, pp: g.pp, cp: g.cp, ep: 1, vp: 1, mbs: 1, zero: 0, recompute: 'none', sp: false };
  for (const ep of only(eps, fixed.ep)) {
    for (const mbs of only(divisors(w.gbs / g.dp), fixed.mbs)) {
      const microbatches = w.gbs / (g.dp * mbs);
      // Interleaving needs PP > 1, micro-batches in multiples of PP, and a layer for every virtual stage.
      const vps = [1];
      if (g.pp > 1 && microbatches % g.pp === 0) for (let vp = 2; vp <= minLayers; vp++) vps.push(vp);
      for (const vp of only(vps, fixed.vp)) {
        for (const zero of only(zeros, fixed.zero)) {
          for (const recompute of recomputes) {
            for (const sp of sps) {
              split.ep = ep;
              split.mbs = mbs;
              split.vp = vp;
              split.zero = zero;
              split.recompute = recompute;
              split.sp = sp;
              visit(split);
            }
          }
        }
      }
    }
  }
}

/** How many splits a group holds. */
export function groupSize(w: Workload, g: SplitGroup): number {
  let n = 0;
  forEachSplit(w, g, () => void n++);
  return n;
}
