/**
 * How much slower a training job runs where it landed than at its most compact placement, from
 * the step model: the (closed-form) step time with the network placed as the job's leaf groups and pods
 * (src/network/job-placement.ts) over the step time at the fewest it could span. The fleet's
 * nodes are numbered as the fabric's (a leaf group, then a pod), so the counts it reports are the
 * fabric's. Answers are remembered by (job shape, leaf groups, pods): a fleet of 100,000 jobs asks
 * the step model once per distinct shape and span, not once per job.
 */
import type { PresetCatalog } from '../config/catalog.js';
import type { Scenario } from '../config/resolve.js';
import type { ScenarioInput } from '../config/scenario-input.js';
import type { SystemSpec } from '../config/system-schema.js';
import { estimateStep, resolveScenario, scenarioNetwork } from '../engine.js';
import { ClusterTwinError } from '../errors.js';
import type { FleetJob } from './job.js';
import type { Span } from './placement.js';

/** How much slower a job runs on this placement than on its most compact one (>= 1). */
export type PlacementSlowdown = (job: FleetJob, span: Span, compact: Span) => number;

/** The step model's slowdown for the training jobs of a fleet of `system` (inline: a what-if fabric works as well as a preset). */
export function stepModelSlowdown(system: SystemSpec, catalog: PresetCatalog): PlacementSlowdown & { evaluations: () => number } {
  const scenarios = new Map<string, Scenario>();
  const stepSeconds = new Map<string, number>();
  let evaluations = 0;
  const stepAt = (shape: string, s: Scenario, span: Span): number => {
    const key = `${shape}|${span.leaves}|${span.pods}`;
    let t = stepSeconds.get(key);
    if (t === undefined) {
      // The closed-form step (the planner's): the same costs as the event simulation, a fraction of its time.
      t = estimateStep(s, scenarioNetwork(s, { leaves: span.leaves, pods: span.pods })).stepTimeSeconds;
      evaluations++;
      stepSeconds.set(key, t);
    }
    return t;
  };
  const shapes = new WeakMap<FleetJob, string>();
  const slowdown = (job: FleetJob, span: Span, compact: Span): number => {
    if (!job.training || (span.leaves === compact.leaves && span.pods === compact.pods)) return 1;
    // The shape: everything but the tokens (which set the steps, not the step); a job restarted keeps its key.
    let shape = shapes.get(job);
    if (shape === undefined) shapes.set(job, (shape = JSON.stringify({ ...job.training.scenario, gpus: job.gpus })));
    let s = scenarios.get(shape);
    if (!s) {
      const input = { ...job.training.scenario, system, gpus: job.gpus, tokens: job.training.tokens } as ScenarioInput;
      try {
        s = resolveScenario(input, catalog);
      } catch (e) {
        if (e instanceof ClusterTwinError) throw new ClusterTwinError(e.code, `job ${job.id}: ${e.path}`, e.detail);
        throw e;
      }
      scenarios.set(shape, s);
    }
    return Math.max(1, stepAt(shape, s, span) / stepAt(shape, s, compact));
  };
  return Object.assign(slowdown, { evaluations: () => evaluations });
}
