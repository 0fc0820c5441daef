/**
 * The page's slower tools, as plain functions of plain data so they run in a Web Worker:
 * `plan` (src/planner/plan.ts), `reliability` (src/reliability/analysis.ts) and `serve`
 * (src/serving/serve.ts), each on the scenario the page shows, and `fleet`
 * (src/fleet/simulate-fleet.ts) on its own inputs.
 */
import { evaluateScenario, resolveScenario } from '../../src/engine.js';
import { layerScenario } from '../../src/config/scenario-layers.js';
import { parseScenarioInput, type ScenarioInputParsed } from '../../src/config/scenario-input.js';
import { scenarioModel, scenarioSystem } from '../../src/config/resolve.js';
import { plan, withoutSplit, type PlanReport } from '../../src/planner/plan.js';
import type { Objective } from '../../src/planner/objectives.js';
import { analyzeReliability, type ReliabilityReport } from '../../src/reliability/analysis.js';
import { serve, type ServeReport } from '../../src/serving/serve.js';
import { echo, invalid } from '../../src/errors.js';
import { MAX_TRIALS } from '../../src/config/bounds.js';
import { resolveSystem } from '../../src/config/catalog.js';
import { fleetModel } from '../../src/fleet/fleet-model.js';
import { PLACEMENTS, type PlacementPolicy } from '../../src/fleet/placement.js';
import { SCHEDULERS, type SchedulerPolicy } from '../../src/fleet/scheduler.js';
import { simulateFleet, type FleetReport } from '../../src/fleet/simulate-fleet.js';
import { GENERATORS, type GeneratorKind } from '../../src/fleet/workload-source.js';
import { generateWorkload } from '../../src/fleet/workload/index.js';
import { CATALOG, DEFAULT_SCENARIO } from './presets.js';

/** The fleet tool's inputs, as `clustertwin fleet`'s flags of the same names. */
export interface FleetJobInput {
  system: string;
  gpus: number;
  days: number;
  generator: GeneratorKind;
  scheduler: SchedulerPolicy;
  placement: PlacementPolicy;
  hotSpares: number;
  seed: number;
}

/** The page's fleet by default: small, so it runs in about a second. */
export const DEFAULT_FLEET: FleetJobInput = { system: 'nd-h100-v5', gpus: 1024, days: 14, generator: 'acme-seren', scheduler: 'backfill', placement: 'topology', hotSpares: 0, seed: 1 };

/** Simulates the fleet as `clustertwin fleet` does (a generator's jobs), checking its inputs as the flags are checked. */
export function runFleetJob(x: FleetJobInput, onProgress: (share: number) => void = () => {}): FleetReport {
  const system = resolveSystem(CATALOG, x.system, 'system');
  const whole = (key: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw invalid(key, `expected a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, got ${echo(v)}`);
  };
  whole('gpus', x.gpus, system.node.gpusPerNode, 200_000);
  whole('hot-spares', x.hotSpares, 0, 10_000);
  whole('seed', x.seed, -1e15, 1e15);
  if (!(x.days > 0 && x.days <= 365)) throw invalid('days', `expected days above 0 and at most 365, got ${echo(x.days)}`);
  for (const [key, v, allowed] of [['generator', x.generator, GENERATORS], ['scheduler', x.scheduler, SCHEDULERS], ['placement', x.placement, PLACEMENTS]] as const) {
    if (!(allowed as readonly string[]).includes(v)) throw invalid(key, `expected one of ${allowed.join(', ')}, got ${echo(v)}`);
  }
  const fleet = fleetModel(system, { gpus: x.gpus, hotSpares: x.hotSpares, failureRateScale: 1 });
  const jobs = generateWorkload(x.generator, { gpus: fleet.nodes * fleet.gpusPerNode, days: x.days, seed: x.seed });
  return simulateFleet(fleet, jobs, { days: x.days, scheduler: x.scheduler, placement: x.placement, seed: x.seed, onProgress: (d, t) => onProgress(t > 0 ? d / t : 1) });
}

/** A job the page asks for, with the fields the user set (typed) and the tool's own options. */
export type ToolJob =
  | { kind: 'plan'; user: ScenarioInputParsed; objective: Objective; top: number }
  | { kind: 'reliability'; user: ScenarioInputParsed; trials: number; seed: number }
  | { kind: 'serve'; user: ScenarioInputParsed; tp: number; isl: number; osl: number; concurrency: number }
  | { kind: 'fleet'; fleet: FleetJobInput };

/** A job's report, as its CLI command's --json holds it. */
export type ToolResult =
  | { kind: 'plan'; report: PlanReport }
  | { kind: 'reliability'; report: ReliabilityReport; failureFreeSeconds: number }
  | { kind: 'serve'; report: ServeReport }
  | { kind: 'fleet'; report: FleetReport };

/** Runs a job; `onProgress` gets the share done (0-1). Throws ClusterTwinError for bad input. */
export function runToolJob(job: ToolJob, onProgress: (share: number) => void = () => {}): ToolResult {
  switch (job.kind) {
    case 'plan': {
      const input = parseScenarioInput(layerScenario(withoutSplit(DEFAULT_SCENARIO), job.user));
      const report = plan({ input, objective: job.objective, top: job.top }, CATALOG, { onProgress: (done, total) => onProgress(total > 0 ? done / total : 1) });
      return { kind: 'plan', report };
    }
    case 'reliability': {
      // As the CLI's --trials: a whole number within the Monte Carlo's bound.
      if (!Number.isInteger(job.trials) || job.trials < 0 || job.trials > MAX_TRIALS) throw invalid('trials', `expected a whole number of trials from 0 to ${MAX_TRIALS.toLocaleString('en-US')}, got ${echo(job.trials)}`);
      const scenario = resolveScenario(parseScenarioInput(layerScenario(DEFAULT_SCENARIO, job.user)), CATALOG);
      const result = evaluateScenario(scenario);
      const report = analyzeReliability(scenario, { kind: 'work', seconds: result.timeToTrainSeconds }, { trials: job.trials, seed: job.seed, onProgress: (d, t) => onProgress(t > 0 ? d / t : 1) });
      return { kind: 'reliability', report, failureFreeSeconds: result.timeToTrainSeconds };
    }
    case 'serve': {
      const input = parseScenarioInput(layerScenario(DEFAULT_SCENARIO, job.user));
      // Named as serve's flags (--tp, --isl, --osl, --concurrency); serve checks their upper bounds.
      for (const [key, v] of [['tp', job.tp], ['isl', job.isl], ['osl', job.osl], ['concurrency', job.concurrency]] as const) {
        if (!Number.isInteger(v) || v < 1) throw invalid(key, `expected a whole number of at least 1, got ${echo(v)}`);
      }
      const report = serve({
        system: scenarioSystem(input, CATALOG),
        model: scenarioModel(input, CATALOG),
        tp: job.tp,
        isl: job.isl,
        osl: job.osl,
        load: { kind: 'closed', concurrency: job.concurrency, requests: 8 * job.concurrency },
        onProgress,
      });
      return { kind: 'serve', report };
    }
    case 'fleet':
      return { kind: 'fleet', report: runFleetJob(job.fleet, onProgress) };
  }
}
