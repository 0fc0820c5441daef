/**
 * The inner loop of the planner: for each split of some groups, build the
 * execution (the engine checks it), drop it if its fullest GPU does not fit,
 * estimate its step with the closed form, score it for the objective and
 * keep the best few. Runs the same in the main thread and in workers.
 */
import type { ScenarioInputParsed } from '../config/scenario-input.js';
import { resolveExecution, type Scenario } from '../config/resolve.js';
import type { Execution } from '../config/execution-schema.js';
import { estimateStep, memoryByStage } from '../engine.js';
import { ClusterTwinError } from '../errors.js';
import type { NetworkModel } from '../network/network-model.js';
import { runEstimate } from '../run/run-model.js';
import { objectiveScore, type Objective } from './objectives.js';
import { SPLIT_KEYS, forEachSplit, type Split, type SplitGroup, type Workload } from './space.js';

/** What one search needs, resolved once per workload. */
export interface SearchContext {
  workload: Workload;
  /** The scenario fields every split shares (no split dimensions). */
  input: ScenarioInputParsed;
  groups: SplitGroup[];
  network: NetworkModel;
  /** HBM of one GPU, bytes. */
  capacityBytes: number;
}

export interface SearchOptions {
  objective: Objective;
  /** Largest fraction of HBM a plan may use. */
  maxMemoryFraction: number;
  /** How many of the best splits to keep. */
  keep: number;
}

/** How the splits were disposed of: considered = rejected + prunedByMemory + evaluated. */
export interface SearchCounts {
  considered: number;
  /** Generated but refused by the engine's checks (the generator mirrors them: expected 0). */
  rejected: number;
  prunedByMemory: number;
  /** Estimated with the closed form. */
  evaluated: number;
}

/** A split that fits, with its closed-form figures. */
export interface Candidate {
  /** Group index, then index within the group: the split's place in the enumeration. */
  group: number;
  index: number;
  split: Split;
  dp: number;
  /** Objective score from the closed form (lower is better). */
  score: number;
  closedFormStepTimeSeconds: number;
  peakMemoryBytesPerGpu: number;
}

export interface SearchResult {
  counts: SearchCounts;
  /** Best first, at most `keep`. */
  best: Candidate[];
}

export const zeroCounts = (): SearchCounts => ({ considered: 0, rejected: 0, prunedByMemory: 0, evaluated: 0 });

export function addCounts(a: SearchCounts, b: SearchCounts): SearchCounts {
  return {
    considered: a.considered + b.considered,
    rejected: a.rejected + b.rejected,
    prunedByMemory: a.prunedByMemory + b.prunedByMemory,
    evaluated: a.evaluated + b.evaluated,
  };
}

/** Total order on candidates: score, then place in the enumeration (so ties break the same in every thread). */
export const compareCandidates = (a: Candidate, b: Candidate): number => a.score - b.score || a.group - b.group || a.index - b.index;

/**
 * Splits that differ only in a recompute mode that changes nothing (with
 * fused attention, selective recompute has nothing left to recompute) are
 * one plan: the first offered, with the least recompute, stands for both.
 */
const sameButRecompute = (a: Candidate, b: Candidate): boolean =>
  a.closedFormStepTimeSeconds === b.closedFormStepTimeSeconds &&
  a.peakMemoryBytesPerGpu === b.peakMemoryBytesPerGpu &&
  SPLIT_KEYS.every((k) => k === 'recompute' || a.split[k] === b.split[k]);

/** Inserts `c` into the sorted list `best` if it is among the `keep` best. */
function offer(best: Candidate[], c: Candidate, keep: number): void {
  if (best.length >= keep && compareCandidates(c, best[best.length - 1]) >= 0) return;
  if (best.some((b) => b.score === c.score && sameButRecompute(b, c))) return;
  let i = best.length;
  while (i > 0 && compareCandidates(c, best[i - 1]) < 0) i--;
  best.splice(i, 0, c);
  if (best.length > keep) best.pop();
}

/** Merges sorted candidate lists into the `keep` best. */
export function mergeBest(lists: readonly Candidate[][], keep: number): Candidate[] {
  return lists.flat().sort(compareCandidates).slice(0, keep);
}

/** Searches the given groups of one workload. */
export function searchGroups(ctx: SearchContext, groupIndices: readonly number[], opts: SearchOptions): SearchResult {
  const { workload: w, network } = ctx;
  const limitBytes = opts.maxMemoryFraction * ctx.capacityBytes;
  const counts = zeroCounts();
  const best: Candidate[] = [];
  // One input object, refilled for each split (resolveExecution only reads it).
  const input: ScenarioInputParsed & { tp: number; pp: number } = { ...ctx.input, gpus: w.gpus, gbs: w.gbs, seq: w.seq, tp: 1, pp: 1 };
  for (const gi of groupIndices) {
    const g = ctx.groups[gi];
    let index = 0;
    forEachSplit(w, g, (split) => {
      const place = index++;
      counts.considered++;
      input.tp = split.tp;
      input.pp = split.pp;
      input.cp = split.cp;
      input.ep = split.ep;
      input.vp = split.vp;
      input.mbs = split.mbs;
      input.zero = split.zero;
      input.recompute = split.recompute;
      input.sp = split.sp;
      input.layersPerStage = g.layersPerStage;
      let exec: Execution;
      try {
        exec = resolveExecution(input, w.model, w.system);
      } catch (err) {
        if (!(err instanceof ClusterTwinError)) throw err;
        counts.rejected++;
        return;
      }
      const s: Scenario = { system: w.system, model: w.model, exec };
      let peak = 0;
      for (const stage of memoryByStage(s)) if (stage.totalBytes > peak) peak = stage.totalBytes;
      if (peak > limitBytes) {
        counts.prunedByMemory++;
        return;
      }
      counts.evaluated++;
      const step = estimateStep(s, network).stepTimeSeconds;
      const run = runEstimate(w.system, exec, step);
      const score = objectiveScore(opts.objective, {
        timeToTrainSeconds: run.timeToTrainSeconds,
        costUsd: run.costUsd,
        tokensTrained: run.steps * run.tokensPerStep,
      });
      if (best.length < opts.keep || score <= best[best.length - 1].score) {
        offer(best, { group: gi, index: place, split: { ...split }, dp: exec.dp, score, closedFormStepTimeSeconds: step, peakMemoryBytesPerGpu: peak }, opts.keep);
      }
    });
  }
  return { counts, best };
}
