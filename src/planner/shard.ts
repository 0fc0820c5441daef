/**
 * Shards: one deterministic slice of a sweep's rows or a plan's search space,
 * so that N processes (a Slurm array, a Kubernetes Indexed Job) share a big
 * search and `clustertwin merge` joins their partial results into the report
 * one process would have printed.
 *
 * A shard is written `K/N`, K counting from 1 (as Slurm's array task ids
 * usually do; a 0-based index such as Kubernetes' JOB_COMPLETION_INDEX is
 * given as `$((INDEX + 1))/N`). Each item goes to one shard by a rule that
 * depends only on the inputs and N, so every shard and the merge agree:
 *
 * - sweep: the item is the row; row i (its place in `sweepCombos`, from 0)
 *   goes to shard (i mod N) + 1, so neighbouring rows (often of similar
 *   cost) land on different shards and the shards balance.
 * - plan: the item is a group of splits (one TP x CP x PP of one point, see
 *   space.ts), dealt by size rather than round-robin (see planShardOf). A
 *   group is the planner's unit of work and holds whole families of VP and
 *   micro-batch variants (and their recompute twins), so each shard's best
 *   families are exact and the best of all shards' best is the best of the
 *   whole space.
 */
import { invalid } from '../errors.js';
import { groupSize } from './space.js';
import type { PlanSetup, PlanTask } from './plan.js';

/** One slice: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Most shards one search may be cut into: the most pods a Kubernetes Indexed Job runs at once (.spec.parallelism <= 10^5, JobSpec API reference); a Slurm array index is at most MaxArraySize - 1 (MaxArraySize 1001 by default, slurm.conf(5)). */
export const MAX_SHARDS = 100_000;

const SHARD_WORDS = `K/N with whole numbers 1 <= K <= N <= ${MAX_SHARDS.toLocaleString('en-US')} (K counts from 1; e.g. 3/16)`;

/** Parses `K/N`; anything else is a one-line error naming the flag. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw invalid(flag, `expected ${SHARD_WORDS}, got ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw invalid(flag, `N must be from 1 to ${MAX_SHARDS.toLocaleString('en-US')}, got ${JSON.stringify(text)}`);
  if (index < 1 || index > count) throw invalid(flag, `K must be from 1 to N (${count}), got ${JSON.stringify(text)}`);
  return { index, count };
}

/** Whether item `ordinal` (0-based, in enumeration order) is this shard's. */
export const inShard = (ordinal: number, s: Shard): boolean => ordinal % s.count === s.index - 1;

/** How many of `items` items are this shard's. */
export const shardItems = (items: number, s: Shard): number => (items >= s.index ? Math.floor((items - s.index) / s.count) + 1 : 0);

/**
 * The shard (1-based) each group of splits goes to, for every task's groups in order: the
 * largest groups first, each to the shard with the fewest splits so far (ties: the earlier
 * group, the lower shard). Group sizes vary by a factor of hundreds (micro-batch and virtual
 * stage counts follow DP and PP), so dealing them round-robin left the fullest of 16 shards
 * about 1.6 times the mean; this greedy deal is within a few percent of it on large spaces.
 */
export function planShardOf(setup: PlanSetup, count: number): number[][] {
  const items: Array<{ task: number; at: number; size: number; ordinal: number }> = [];
  setup.tasks.forEach((t, ti) => {
    const ctx = setup.points[t.point].context;
    t.groups.forEach((gi, at) => items.push({ task: ti, at, size: groupSize(ctx.workload, ctx.groups[gi]), ordinal: items.length }));
  });
  const of = setup.tasks.map((t) => t.groups.map(() => 0));
  const load = new Array<number>(count).fill(0);
  const bySize = [...items].sort((a, b) => b.size - a.size || a.ordinal - b.ordinal);
  for (const it of bySize) {
    let best = 0;
    for (let k = 1; k < count; k++) if (load[k] < load[best]) best = k;
    load[best] += it.size;
    of[it.task][it.at] = best + 1;
  }
  return of;
}

/**
 * The setup of one shard: the same points and the same tasks (so task indices mean the same
 * in every shard and in the merge), each task keeping only this shard's groups. A task may be
 * left empty; it searches nothing.
 */
export function shardPlanSetup(setup: PlanSetup, s: Shard): PlanSetup {
  const of = planShardOf(setup, s.count);
  const tasks: PlanTask[] = setup.tasks.map((t, ti) => {
    const ctx = setup.points[t.point].context;
    const kept = t.groups.filter((_, at) => of[ti][at] === s.index);
    return { point: t.point, groups: kept, size: kept.reduce((n, gi) => n + groupSize(ctx.workload, ctx.groups[gi]), 0) };
  });
  return { ...setup, tasks, total: tasks.reduce((n, t) => n + t.size, 0) };
}

/** Groups in a plan's whole space: the items its shards are dealt. */
export const planItems = (setup: PlanSetup): number => setup.tasks.reduce((n, t) => n + t.groups.length, 0);
