/**
 * Durations of a workload's training jobs from the step model: a job given as a model, a split and
 * tokens (FleetJob.training) runs for the step model's time to train those tokens on its GPUs of
 * the fleet's system, at its most compact placement. A job that brings its own duration keeps it.
 * Jobs with the same scenario share one evaluation.
 */
import type { PresetCatalog } from '../config/catalog.js';
import type { ScenarioInput } from '../config/scenario-input.js';
import { evaluateScenario, resolveScenario } from '../engine.js';
import { ClusterTwinError } from '../errors.js';
import type { FleetJob } from './job.js';

/** The jobs with every training job's duration set (a new array; jobs without `training` are as given). */
export function withTrainingDurations(jobs: readonly FleetJob[], systemName: string, catalog: PresetCatalog): FleetJob[] {
  const cache = new Map<string, number>();
  return jobs.map((job) => {
    if (!job.training || job.durationSeconds > 0) return job;
    const input = { system: systemName, ...job.training.scenario, gpus: job.gpus, tokens: job.training.tokens } as ScenarioInput;
    const key = JSON.stringify(input);
    let seconds = cache.get(key);
    if (seconds === undefined) {
      try {
        seconds = evaluateScenario(resolveScenario(input, catalog)).timeToTrainSeconds;
      } catch (e) {
        if (e instanceof ClusterTwinError) throw new ClusterTwinError(e.code, `job ${job.id}: ${e.path}`, e.detail);
        throw e;
      }
      if (!(seconds > 0) || !Number.isFinite(seconds)) throw new ClusterTwinError('invalid_value', `job ${job.id}`, `the step model gives no finite time to train ${job.training.tokens} tokens on ${job.gpus} GPUs`);
      cache.set(key, seconds);
    }
    return { ...job, durationSeconds: seconds };
  });
}
