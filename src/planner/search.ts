/**
 * The inner loop of the planner: for each split of some groups, build the
 * execution (the engine checks it), drop it if its fullest GPU does not fit,
 * estimate its step with the closed form, score it for the objective, file
 * it with its family (the same split but for VP and micro-batch, see
 * variants.ts) and, at the end, keep the best few families. Runs the same in
 * the main thread and in workers; the work is linear in the splits (plus a
 * sort of the families), however many are kept.
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
import { familyKey } from './variants.js';

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
  /** How many of the best families to keep. */
  keep: number;
  /** Every split its own family (no grouping of VP and micro-batch variants). */
  allVariants: boolean;
}

/** How the splits were disposed of: considered = rejected + prunedByMemory + evaluated. */
export interface SearchCounts {
  considered: number;
  /** Generated but refused by the engine's checks (the generator mirrors them: expected 0). */
  rejected: number;
  prunedByMemory: number;
  /** Of those pruned by memory, the ones that would fit in the whole HBM (refused for the headroom alone). */
  prunedByHeadroom: number;
  /** Estimated with the closed form. */
  evaluated: number;
  /** Different plans among the evaluated: families of VP and micro-batch variants (each split alone with `allVariants`), recompute twins as one. */
  distinctSplits: number;
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

/** Splits that differ only in VP and micro-batch: every member that fits, best first. */
export interface Family {
  variants: Candidate[];
}

export interface SearchResult {
  counts: SearchCounts;
  /** Best first, at most `keep`. */
  best: Family[];
}

export const zeroCounts = (): SearchCounts => ({ considered: 0, rejected: 0, prunedByMemory: 0, prunedByHeadroom: 0, evaluated: 0, distinctSplits: 0 });

export function addCounts(a: SearchCounts, b: SearchCounts): SearchCounts {
  return {
    considered: a.considered + b.considered,
    rejected: a.rejected + b.rejected,
    prunedByMemory: a.prunedByMemory + b.prunedByMemory,
    prunedByHeadroom: a.prunedByHeadroom + b.prunedByHeadroom,
    evaluated: a.evaluated + b.evaluated,
    distinctSplits: a.distinctSplits + b.distinctSplits,
  };
}

/** Total order on candidates: score, then place in the enumeration (so ties break the same in every thread). */
export const compareCandidates = (a: Candidate, b: Candidate): number => a.score - b.score || a.group - b.group || a.index - b.index;

/** Families by their best member. */
export const compareFamilies = (a: Family, b: Family): number => compareCandidates(a.variants[0], b.variants[0]);

/**
 * Splits that differ only in a recompute mode that changes nothing (with
 * fused attention, selective recompute has nothing left to recompute) are
 * one plan: the first offered, with the least recompute, stands for both.
 * The key of what must match: every other dimension, the step and the memory.
 */
const twinKey = (c: Candidate): string =>
  `${SPLIT_KEYS.map((k) => (k === 'recompute' ? '' : String(c.split[k]))).join('|')}|${c.closedFormStepTimeSeconds}|${c.peakMemoryBytesPerGpu}`;

/**
 * The `keep` best families, best first, recompute twins dropped, and how many
 * different families there are. Sorts once: linear in the families but for the sort.
 */
export function bestFamilies(families: Iterable<Family>, keep: number): { best: Family[]; distinct: number } {
  const sorted = [...families];
  for (const f of sorted) f.variants.sort(compareCandidates);
  sorted.sort(compareFamilies);
  const seen = new Set<string>();
  const best: Family[] = [];
  for (const f of sorted) {
    const twin = twinKey(f.variants[0]);
    if (seen.has(twin)) continue;
    seen.add(twin);
    if (best.length < keep) best.push(f);
  }
  return { best, distinct: seen.size };
}

/** Merges sorted family lists (of disjoint groups) into the `keep` best. */
export function mergeBest(lists: readonly Family[][], keep: number): Family[] {
  return lists.flat().sort(compareFamilies).slice(0, keep);
}

/** Searches the given groups of one workload. */
export function searchGroups(ctx: SearchContext, groupIndices: readonly number[], opts: SearchOptions): SearchResult {
  const { workload: w, network } = ctx;
  const limitBytes = opts.maxMemoryFraction * ctx.capacityBytes;
  const counts = zeroCounts();
  const families = new Map<string, Family>();
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
        if (peak <= ctx.capacityBytes) counts.prunedByHeadroom++;
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
      const c: Candidate = { group: gi, index: place, split: { ...split }, dp: exec.dp, score, closedFormStepTimeSeconds: step, peakMemoryBytesPerGpu: peak };
      const key = familyKey(split, opts.allVariants);
      const family = families.get(key);
      if (family) family.variants.push(c);
      else families.set(key, { variants: [c] });
    });
  }
  const { best, distinct } = bestFamilies(families.values(), opts.keep);
  counts.distinctSplits = distinct;
  return { counts, best };
}
