/**
 * The planner: the fastest (or cheapest) ways to train a model on a machine.
 *
 *   request ─► points ─► tasks ─────────► search (closed form) ─► re-check ─► report
 *   (systems   (one per   (groups of      (any thread: validity,   (event       (best plans,
 *    x GPUs     system x   TP x CP x PP    memory, step estimate,   simulation   Pareto front
 *    x batch)   GPUs x     splits)         objective, best few     of the best, over points)
 *              batch)                      families of VP/mbs      closed form
 *                                          variants)               for the rest)
 *
 * `plan` runs it all in one thread; `src/node/planner-pool.ts` runs the tasks
 * on worker threads and gives the same report, because tasks are fixed
 * before any thread starts and ties break on each split's place in the
 * enumeration.
 */
import type { PresetCatalog } from '../config/catalog.js';
import type { ScenarioInputParsed } from '../config/scenario-input.js';
import { resolveExecution, scenarioModel, scenarioSystem } from '../config/resolve.js';
import { ExecutionDefaults } from '../config/execution-schema.js';
import { ClusterTwinError, invalid } from '../errors.js';
import { defaultNetwork, hbmBytes } from '../engine.js';
import { formatBytes } from '../units.js';
import { checkFabricHolds, fabricCapacityGpus } from '../topology/fat-tree-geometry.js';
import { PLANNING_MEMORY_FRACTION } from '../memory/headroom.js';
import type { Objective } from './objectives.js';
import { paretoFront } from './pareto.js';
import { estimatedPlan, simulatedPlan, type Plan, type PlanVariant, type ScoredPlan } from './figures.js';
import { addCounts, compareCandidates, mergeBest, searchGroups, zeroCounts, type Family, type SearchContext, type SearchCounts } from './search.js';
import { runTokens } from '../config/training-tokens.js';
import { SPLIT_KEYS, groupSize, splitGroups, type FixedDims, type Workload } from './space.js';

export type { Plan, PlanVariant } from './figures.js';

/** What the user asks. */
export interface PlanRequest {
  /** The scenario: model, sequence, tokens, precision, overlap...; split fields given here are fixed. */
  input: ScenarioInputParsed;
  /** Systems to compare; default: the input's system. */
  systems?: Array<NonNullable<ScenarioInputParsed['system']>>;
  /** GPU counts to compare; default: the input's GPUs, else one node doubling up to maxGpus. */
  gpus?: number[];
  /** Global batches (sequences) to compare; default: the input's, else about 4M tokens. */
  gbs?: number[];
  maxGpus?: number;
  objective?: Objective;
  /** Largest fraction of a GPU's HBM a plan may use (default 0.9: headroom for allocator fragmentation, memory/headroom.ts). */
  maxMemoryFraction?: number;
  /** Plans to report (default 10): different splits, unless `allVariants`. */
  top?: number;
  /** Best splits of each point re-checked with the event simulation (default 16); the rest of `top` come from the closed form. */
  recheck?: number;
  /** Report VP and micro-batch variants of a split as plans of their own (default: one plan stands for them). */
  allVariants?: boolean;
}

/** maxMemoryFraction: the headroom real stacks need for allocator fragmentation, with its sources in memory/headroom.ts. */
export const PLAN_DEFAULTS = { objective: 'time', maxMemoryFraction: PLANNING_MEMORY_FRACTION, top: 10, recheck: 16 } as const;

/**
 * Variants (VP, micro-batch) of each re-checked split that the event
 * simulation re-checks too: its closed-form best and the next two, since the
 * two step models can order close pipeline schedules differently.
 */
export const RECHECKED_VARIANTS = 3;

/** Splits per task: small enough to spread over threads, large enough that messages cost nothing. */
const TASK_SPLITS = 4096;

/** One system x GPU count x batch. */
export interface PlanPoint {
  /** The scenario fields every split of this point shares (replayable, no split fields). */
  input: ScenarioInputParsed;
  context: SearchContext;
  /** Splits this point holds. */
  size: number;
}

export interface PlanTask {
  point: number;
  groups: number[];
  size: number;
}

export interface PlanSetup {
  objective: Objective;
  maxMemoryFraction: number;
  top: number;
  recheck: number;
  allVariants: boolean;
  /** Families each task and point keeps: enough for the report and the re-check. */
  keep: number;
  points: PlanPoint[];
  tasks: PlanTask[];
  /** Splits in the whole space. */
  total: number;
}

export interface TaskResult {
  task: number;
  counts: SearchCounts;
  best: Family[];
}

/** The best plan of one point, and whether it is on the time-cost Pareto front. */
export interface PointReport extends SearchCounts {
  system: string;
  gpus: number;
  gbs: number;
  best: Plan | null;
  pareto: boolean;
}

export interface PlanReport extends SearchCounts {
  model: string;
  objective: Objective;
  /** The HBM fraction plans were held to. */
  maxMemoryFraction: number;
  /** Whether each plan stands for its VP and micro-batch variants (false with `allVariants`). */
  variantsGrouped: boolean;
  /** Configurations re-checked with the event simulation. */
  rechecked: number;
  /**
   * Best first: the plans re-checked with the event simulation, ranked by it,
   * then (when `top` asks for more than were re-checked) plans from the closed
   * form, ranked by it; each plan's `method` says which.
   */
  plans: Plan[];
  points: PointReport[];
}

/** The scenario keys the planner chooses when they are not given (a key given stays fixed). */
const FIXED_KEYS = [...SPLIT_KEYS, 'dp', 'layersPerStage'] as const;

/**
 * A scenario without the split the planner chooses: what `plan` (and `report --plan`, and the
 * page's plan tool) start from, so a preset's default split is searched, not kept.
 */
export function withoutSplit(scenario: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const base = { ...scenario };
  for (const k of FIXED_KEYS) delete base[k];
  return base;
}

/** The catalog with its default scenario's split left to the planner (see withoutSplit). */
export const withoutDefaultSplit = (catalog: PresetCatalog): PresetCatalog => ({
  ...catalog,
  scenarios: { ...catalog.scenarios, default: withoutSplit((catalog.scenarios.default as Record<string, unknown> | undefined) ?? {}) },
});

function fixedDims(input: ScenarioInputParsed): FixedDims {
  const fixed: Record<string, unknown> = {};
  for (const k of FIXED_KEYS) if (input[k] !== undefined) fixed[k] = input[k];
  return fixed as FixedDims;
}

/** About 4M tokens per step (the engine's default), in whole sequences. */
const defaultGbs = (seq: number): number => Math.max(1, Math.round(2 ** 22 / seq));

function gpuCounts(req: PlanRequest, gpusPerNode: number): number[] {
  let counts = req.gpus ?? (req.input.gpus !== undefined ? [req.input.gpus] : undefined);
  if (!counts) {
    if (req.maxGpus === undefined) throw invalid('gpus', 'give --gpus (a count, a list or a range like 512..16384) or --max-gpus');
    counts = [];
    for (let g = gpusPerNode; g <= req.maxGpus; g *= 2) counts.push(g);
    if (counts[counts.length - 1] !== req.maxGpus) counts.push(req.maxGpus);
  }
  const max = req.maxGpus;
  return max === undefined ? counts : counts.filter((g) => g <= max);
}

/** Explains why a point has no valid split: the engine's own message for the fixed fields when it has one. */
function noSplitError(point: PlanPoint): ClusterTwinError {
  const { workload: w } = point.context;
  const f = w.fixed;
  if (Object.keys(f).length > 0) {
    try {
      resolveExecution({ ...point.input, ...f, tp: f.tp ?? 1, pp: f.pp ?? f.layersPerStage?.length ?? 1 }, w.model, w.system);
    } catch (err) {
      if (err instanceof ClusterTwinError) return err;
    }
  }
  const fixed = Object.entries(f).map(([k, v]) => `${k} ${String(v)}`);
  return invalid(
    'gpus',
    `no split of ${w.model.name} over ${w.gpus} GPUs divides its heads, layers, sequence ${w.seq} and batch ${w.gbs}${fixed.length ? ` with ${fixed.join(', ')}` : ''}`,
  );
}

/** Expands the request into points and fixes the tasks. Deterministic: workers call it too. */
export function preparePlan(req: PlanRequest, catalog: PresetCatalog): PlanSetup {
  const model = scenarioModel(req.input, catalog);
  const fixed = fixedDims(req.input);
  const base: Record<string, unknown> = { ...req.input };
  for (const k of FIXED_KEYS) delete base[k];
  if (fixed.layersPerStage) base.layersPerStage = fixed.layersPerStage;
  const seq = req.input.seq ?? model.maxSeq ?? ExecutionDefaults.seq;
  const systems = req.systems ?? [req.input.system ?? 'ndm-a100-v4'];
  const points: PlanPoint[] = [];
  for (const sys of systems) {
    const system = scenarioSystem({ ...req.input, system: sys }, catalog);
    const network = defaultNetwork(system);
    // Up to --max-gpus alone, the doubling stops at what the fabric holds; a count the user named must fit, checked before any work.
    const capacity = fabricCapacityGpus(system);
    const searched = req.gpus === undefined && req.input.gpus === undefined;
    const counts = gpuCounts(req, system.node.gpusPerNode).filter((g) => !searched || g <= capacity);
    if (searched && counts.length > 0 && req.maxGpus !== undefined && req.maxGpus > capacity && counts[counts.length - 1] !== capacity) counts.push(capacity);
    for (const gpus of counts) {
      checkFabricHolds(system, gpus, '--gpus');
      for (const gbs of req.gbs ?? [req.input.gbs ?? defaultGbs(seq)]) {
        const input = { ...base, system: sys, gpus, gbs, seq, tokens: runTokens(req.input.tokens, model).tokens } as ScenarioInputParsed;
        const workload: Workload = { system, model, gpus, gbs, seq, fixed };
        const groups = splitGroups(workload);
        const context: SearchContext = { workload, input, groups, network, capacityBytes: hbmBytes(system) };
        points.push({ input, context, size: 0 });
      }
    }
  }
  if (points.length === 0) throw invalid('--max-gpus', `no GPU count is at most ${req.maxGpus}`);

  const tasks: PlanTask[] = [];
  points.forEach((p, pi) => {
    let task: PlanTask | undefined;
    p.context.groups.forEach((g, gi) => {
      const n = groupSize(p.context.workload, g);
      if (n === 0) return;
      p.size += n;
      if (!task || task.size >= TASK_SPLITS) tasks.push((task = { point: pi, groups: [], size: 0 }));
      task.groups.push(gi);
      task.size += n;
    });
  });
  const total = points.reduce((a, p) => a + p.size, 0);
  if (total === 0) throw noSplitError(points[0]);
  const top = req.top ?? PLAN_DEFAULTS.top;
  const recheck = Math.max(1, req.recheck ?? PLAN_DEFAULTS.recheck);
  return {
    objective: req.objective ?? PLAN_DEFAULTS.objective,
    maxMemoryFraction: req.maxMemoryFraction ?? PLAN_DEFAULTS.maxMemoryFraction,
    top,
    recheck,
    allVariants: req.allVariants ?? false,
    keep: Math.max(top, recheck),
    points,
    tasks,
    total,
  };
}

/** Runs one task (in whatever thread). */
export function runPlanTask(setup: PlanSetup, taskIndex: number): TaskResult {
  const task = setup.tasks[taskIndex];
  const r = searchGroups(setup.points[task.point].context, task.groups, {
    objective: setup.objective,
    maxMemoryFraction: setup.maxMemoryFraction,
    keep: setup.keep,
    allVariants: setup.allVariants,
  });
  return { task: taskIndex, counts: r.counts, best: r.best };
}

export interface FinishOptions {
  /** Arguments put before each plan's replay arguments (e.g. `--config FILE` for inline systems or models). */
  replayPrefix?: string[];
}

const variantOf = (c: Family['variants'][number], stepTimeSeconds?: number): PlanVariant => ({
  vp: c.split.vp,
  mbs: c.split.mbs,
  closedFormStepTimeSeconds: c.closedFormStepTimeSeconds,
  ...(stepTimeSeconds === undefined ? {} : { stepTimeSeconds }),
  peakMemoryBytesPerGpu: c.peakMemoryBytesPerGpu,
});

/**
 * Re-checks a family with the event simulation: its best few variants by the
 * closed form, of which the simulation's best is the plan; the others are listed.
 */
function recheckFamily(point: PlanPoint, f: Family, objective: Objective, catalog: PresetCatalog, prefix: string[]): ScoredPlan & { simulations: number } {
  const checked = f.variants.slice(0, RECHECKED_VARIANTS).map((c, rank) => ({ c, rank, ...simulatedPlan(point.input, c, point.context.network, objective, catalog, prefix) }));
  checked.sort((a, b) => a.score - b.score || a.rank - b.rank);
  const [best, ...others] = checked;
  const rest = f.variants.slice(RECHECKED_VARIANTS).map((c) => variantOf(c));
  best.plan.variants = [...others.sort((a, b) => compareCandidates(a.c, b.c)).map((o) => variantOf(o.c, o.plan.stepTimeSeconds)), ...rest];
  return { plan: best.plan, score: best.score, simulations: checked.length };
}

/** A family from the closed form alone: its best variant's figures, the others listed. */
function estimateFamily(point: PlanPoint, f: Family, objective: Objective, prefix: string[]): ScoredPlan {
  const [best, ...others] = f.variants;
  const r = estimatedPlan(point.input, point.context.workload, best, objective, prefix);
  r.plan.variants = others.map((c) => variantOf(c));
  return r;
}

/** Merges task results, re-checks the best of each point and ranks the plans. */
export function finishPlan(setup: PlanSetup, results: readonly TaskResult[], catalog: PresetCatalog, opts: FinishOptions = {}): PlanReport {
  const prefix = opts.replayPrefix ?? [];
  const byPoint = setup.points.map(() => ({ counts: zeroCounts(), lists: [] as Family[][] }));
  for (const r of results) {
    const slot = byPoint[setup.tasks[r.task].point];
    slot.counts = addCounts(slot.counts, r.counts);
    slot.lists.push(r.best);
  }
  let total = zeroCounts();
  let rechecked = 0;
  type Ranked = ScoredPlan & { point: number; rank: number };
  const simulated: Ranked[] = [];
  const estimated: Ranked[] = [];
  const points: PointReport[] = setup.points.map((p, pi) => {
    const { counts, lists } = byPoint[pi];
    total = addCounts(total, counts);
    const families = mergeBest(lists, setup.keep);
    const checked = families.slice(0, setup.recheck).map((f, rank) => {
      const r = recheckFamily(p, f, setup.objective, catalog, prefix);
      rechecked += r.simulations;
      return { plan: r.plan, score: r.score, point: pi, rank };
    });
    checked.sort((a, b) => a.score - b.score || a.rank - b.rank);
    simulated.push(...checked);
    // Beyond the re-checked, only as many as the report can show: from the closed form, linear in them.
    const more = Math.max(0, setup.top - checked.length);
    families.slice(setup.recheck, setup.recheck + more).forEach((f, i) => estimated.push({ ...estimateFamily(p, f, setup.objective, prefix), point: pi, rank: setup.recheck + i }));
    const w = p.context.workload;
    return { system: w.system.name, gpus: w.gpus, gbs: w.gbs, ...counts, best: checked[0]?.plan ?? null, pareto: false };
  });
  if (simulated.length === 0) {
    // Everything refused by the engine (a fixed layer split it rejects, say): its own message says why.
    if (total.rejected === total.considered) throw noSplitError(setup.points[0]);
    const w = setup.points[0].context.workload;
    const capacity = hbmBytes(w.system);
    const limit = setup.maxMemoryFraction * capacity;
    const held = setup.maxMemoryFraction < 1 ? ` (${Math.round(setup.maxMemoryFraction * 100)}% of its ${formatBytes(capacity)}, the rest kept for allocator fragmentation)` : '';
    const headroomOnly =
      total.prunedByHeadroom > 0
        ? `; ${total.prunedByHeadroom.toLocaleString('en-US')} would fit without that headroom (--max-memory-fraction 1), at the risk of running out of memory`
        : '';
    throw new ClusterTwinError(
      'does_not_fit',
      'gpus',
      `none of the ${total.considered.toLocaleString('en-US')} valid splits of ${w.model.name} fits in ${formatBytes(limit)} per GPU${held}, so there is no plan to report${headroomOnly}; add GPUs or shorten the sequence`,
    );
  }
  const withBest = points.filter((p) => p.best !== null);
  paretoFront(withBest.map((p) => p.best as Plan)).forEach((on, i) => (withBest[i].pareto = on));
  const order = (a: Ranked, b: Ranked): number => a.score - b.score || a.point - b.point || a.rank - b.rank;
  simulated.sort(order);
  estimated.sort(order);
  const plans = [...simulated, ...estimated].slice(0, setup.top).map((r) => r.plan);
  const model = setup.points[0].context.workload.model.name;
  return { model, objective: setup.objective, maxMemoryFraction: setup.maxMemoryFraction, variantsGrouped: !setup.allVariants, ...total, rechecked, plans, points };
}

export interface PlanOptions extends FinishOptions {
  /** Called after each task with the splits considered so far and the total. */
  onProgress?: (considered: number, total: number) => void;
}

/** The whole planner in the calling thread. */
export function plan(req: PlanRequest, catalog: PresetCatalog, opts: PlanOptions = {}): PlanReport {
  return runPlan(preparePlan(req, catalog), catalog, opts);
}

/** Runs every task of a prepared plan in the calling thread, then finishes it. */
export function runPlan(setup: PlanSetup, catalog: PresetCatalog, opts: PlanOptions = {}): PlanReport {
  return finishPlan(setup, runPlanTasks(setup, opts.onProgress), catalog, opts);
}

/** Runs every task of a prepared plan in the calling thread: the search without the re-check (what a shard does). */
export function runPlanTasks(setup: PlanSetup, onProgress?: PlanOptions['onProgress']): TaskResult[] {
  const results: TaskResult[] = [];
  let considered = 0;
  for (let t = 0; t < setup.tasks.length; t++) {
    const r = runPlanTask(setup, t);
    results.push(r);
    considered += r.counts.considered;
    onProgress?.(considered, setup.total);
  }
  return results;
}

