/**
 * A plan's figures, from either step model: the event simulation for the
 * plans the planner re-checks, the closed form for the rest of a long list
 * (`--top` beyond `--recheck`), so that a long list costs what the search
 * costs. Both give the same fields, and `method` says which one a plan's
 * step time (and everything computed from it) comes from.
 */
import type { ScenarioInputParsed } from '../config/scenario-input.js';
import type { Execution } from '../config/execution-schema.js';
import { resolveExecution, type Scenario } from '../config/resolve.js';
import { evaluateScenario, hbmBytes, resolveScenario, stepFlops } from '../engine.js';
import { peakFlopsPerSecond } from '../compute/kernel.js';
import type { PresetCatalog } from '../config/catalog.js';
import type { NetworkModel } from '../network/network-model.js';
import { runEstimate } from '../run/run-model.js';
import { runWithFailures } from '../reliability/run-with-failures.js';
import { objectiveScore, tokensPerDollar, type Objective, type RunFigures } from './objectives.js';
import { simulateArgs } from './replay.js';
import type { Candidate } from './search.js';
import { splitOf, type Split, type Workload } from './space.js';

/** Which step model a plan's figures come from. */
export type PlanMethod = 'event-simulation' | 'closed-form';

/** Another VP and micro-batch of the same split that fits, and what it gives. */
export interface PlanVariant {
  vp: number;
  mbs: number;
  closedFormStepTimeSeconds: number;
  /** Present when this variant was re-checked with the event simulation too. */
  stepTimeSeconds?: number;
  peakMemoryBytesPerGpu: number;
}

/** One plan: a split, its figures and the arguments that replay it. */
export interface Plan extends Split {
  system: string;
  gpus: number;
  gbs: number;
  seq: number;
  dp: number;
  /** The step model behind stepTimeSeconds and every figure computed from it. */
  method: PlanMethod;
  stepTimeSeconds: number;
  /** The closed-form estimate the search ranked it by. */
  closedFormStepTimeSeconds: number;
  tokensPerSecond: number;
  mfu: number;
  peakMemoryBytesPerGpu: number;
  memoryCapacityBytesPerGpu: number;
  /** Failure-free time to train (what the objective `time` ranks by). */
  timeToTrainSeconds: number;
  /** Wall-clock time to train with interruptions, restarts and checkpoints (as `simulate` reports it). */
  timeToTrainWithFailuresSeconds: number;
  gpuHours: number;
  energyMWh: number;
  /** Failure-free cost (what the objective `cost` ranks by). */
  costUsd: number;
  /** Cost of the GPUs and hot spares over the wall-clock time with failures. */
  costWithFailuresUsd: number;
  tokensPerDollar: number;
  /** The other VP and micro-batch variants of this split that fit, best first (none with `allVariants`). */
  variants: PlanVariant[];
  /** `clustertwin simulate` arguments that reproduce this split (and, for the event simulation's plans, these figures exactly). */
  simulate: string[];
}

/** A plan and its objective score (lower is better). */
export interface ScoredPlan {
  plan: Plan;
  score: number;
}

const runFigures = (r: { timeToTrainSeconds: number; costUsd: number; steps: number; tokensPerStep: number }): RunFigures => ({
  timeToTrainSeconds: r.timeToTrainSeconds,
  costUsd: r.costUsd,
  tokensTrained: r.steps * r.tokensPerStep,
});

/** What a plan reports of a step and its run, whichever step model produced them. */
type PlanFigures = Pick<
  Plan,
  | 'stepTimeSeconds'
  | 'closedFormStepTimeSeconds'
  | 'tokensPerSecond'
  | 'mfu'
  | 'peakMemoryBytesPerGpu'
  | 'memoryCapacityBytesPerGpu'
  | 'timeToTrainSeconds'
  | 'timeToTrainWithFailuresSeconds'
  | 'gpuHours'
  | 'energyMWh'
  | 'costUsd'
  | 'costWithFailuresUsd'
> & { steps: number; tokensPerStep: number };

/** One plan from its split, its figures and how they were produced, with its objective score. */
function scoredPlan(systemName: string, e: Execution, method: Plan['method'], f: PlanFigures, full: ScenarioInputParsed, prefix: string[], objective: Objective): ScoredPlan {
  const run = runFigures(f);
  const plan: Plan = {
    system: systemName,
    gpus: e.gpus,
    gbs: e.gbs,
    seq: e.seq,
    ...splitOf(e),
    dp: e.dp,
    method,
    stepTimeSeconds: f.stepTimeSeconds,
    closedFormStepTimeSeconds: f.closedFormStepTimeSeconds,
    tokensPerSecond: f.tokensPerSecond,
    mfu: f.mfu,
    peakMemoryBytesPerGpu: f.peakMemoryBytesPerGpu,
    memoryCapacityBytesPerGpu: f.memoryCapacityBytesPerGpu,
    timeToTrainSeconds: f.timeToTrainSeconds,
    timeToTrainWithFailuresSeconds: f.timeToTrainWithFailuresSeconds,
    gpuHours: f.gpuHours,
    energyMWh: f.energyMWh,
    costUsd: f.costUsd,
    costWithFailuresUsd: f.costWithFailuresUsd,
    tokensPerDollar: tokensPerDollar(run),
    variants: [],
    simulate: [...prefix, ...simulateArgs(full).args],
  };
  return { plan, score: objectiveScore(objective, run) };
}

/** The event simulation of one candidate, on exactly the scenario its replay arguments give. */
export function simulatedPlan(input: ScenarioInputParsed, c: Candidate, network: NetworkModel, objective: Objective, catalog: PresetCatalog, prefix: string[]): ScoredPlan {
  const full: ScenarioInputParsed = { ...input, ...c.split };
  // The point's network answers for an identical system, and its memo is warm.
  const r = evaluateScenario(resolveScenario(full, catalog), { network });
  return scoredPlan(r.config.system.name, r.config.execution, 'event-simulation', { ...r, closedFormStepTimeSeconds: c.closedFormStepTimeSeconds }, full, prefix, objective);
}

/** The same figures from the closed-form step the search already has: no event simulation. */
export function estimatedPlan(input: ScenarioInputParsed, w: Workload, c: Candidate, objective: Objective, prefix: string[]): ScoredPlan {
  const full: ScenarioInputParsed = { ...input, ...c.split };
  const exec = resolveExecution({ ...full, tp: c.split.tp, pp: c.split.pp }, w.model, w.system);
  const s: Scenario = { system: w.system, model: w.model, exec };
  const step = c.closedFormStepTimeSeconds;
  const r = runEstimate(w.system, exec, step);
  const failures = runWithFailures(s, r.timeToTrainSeconds);
  const peak = peakFlopsPerSecond(w.system.gpu, exec.precision) * exec.gpus;
  return scoredPlan(
    w.system.name,
    exec,
    'closed-form',
    {
      ...r,
      stepTimeSeconds: step,
      closedFormStepTimeSeconds: step,
      tokensPerSecond: r.tokensPerStep / step,
      mfu: stepFlops(s).modelFlops / step / peak,
      peakMemoryBytesPerGpu: c.peakMemoryBytesPerGpu,
      memoryCapacityBytesPerGpu: hbmBytes(w.system),
      timeToTrainWithFailuresSeconds: failures.timeToTrainWithFailuresSeconds,
      costWithFailuresUsd: failures.costWithFailuresUsd,
    },
    full,
    prefix,
    objective,
  );
}
