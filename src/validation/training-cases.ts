/**
 * Validation against published training runs (validation/training.yaml): for
 * each case, the scenario the source describes, run through the event
 * simulation, and the metric the source reports.
 */
import { z } from 'zod';
import type { PresetCatalog } from '../config/catalog.js';
import { zodIssueToError } from '../config/scenario-input.js';
import type { Scenario } from '../config/resolve.js';
import { evaluateScenario, resolveScenario, type SimulationResult } from '../engine.js';
import { relativeError } from './stats.js';
import { GIB } from '../units.js';
import { ClusterTwinError } from '../errors.js';
import type { ValidationRow } from './report.js';

export const TRAINING_METRICS = [
  'stepTimeSeconds',
  'megatronTflopsPerGpu',
  'modelTflopsPerGpu',
  'hardwareTflopsPerGpu',
  'tokensPerSecondPerGpu',
  'allocatedMemoryGiB',
] as const;
export type TrainingMetric = (typeof TRAINING_METRICS)[number];

const UNIT: Record<TrainingMetric, string> = {
  stepTimeSeconds: 's',
  megatronTflopsPerGpu: 'TFLOP/s',
  modelTflopsPerGpu: 'TFLOP/s',
  hardwareTflopsPerGpu: 'TFLOP/s',
  tokensPerSecondPerGpu: 'tok/s',
  allocatedMemoryGiB: 'GiB',
};

export const TrainingGroupSchema = z.object({
  name: z.string(),
  description: z.string(),
  source: z.string(),
  metric: z.enum(TRAINING_METRICS),
  /**
   * The year the software that produced the measurement was released (framework, kernels, NCCL):
   * the same GPU runs faster as its software matures, and the report shows error by GPU and year.
   */
  softwareYear: z.number().int().min(2015).max(2100),
  bound: z.number().positive(),
  /** False for cases reported beside the suite but not held to its bound (each such group says why). */
  bounded: z.boolean().default(true),
  defaults: z.record(z.string(), z.unknown()),
  cases: z.array(
    z.object({
      id: z.string(),
      config: z.string(),
      scenario: z.record(z.string(), z.unknown()),
      measured: z.number().positive(),
      /** A case reported but not held to the bound (its comment in the YAML says why). */
      bounded: z.boolean().optional(),
    }),
  ),
});

export type TrainingGroup = z.infer<typeof TrainingGroupSchema>;

export function parseTrainingGroups(data: unknown): TrainingGroup[] {
  const r = z.object({ groups: z.array(TrainingGroupSchema) }).safeParse(data);
  if (!r.success) throw zodIssueToError(r.error, 'validation/training.yaml');
  return r.data.groups;
}

/**
 * Narayanan et al.'s FLOPs per iteration, F = 96 B s l h^2 (1 + s/6h + V/16lh):
 * the GEMM FLOPs of a GPT with activation recomputation.
 */
export function megatronFlopsPerStep(s: Scenario): number {
  const { layers: l, hidden: h, vocab: V } = s.model;
  const { gbs: B, seq } = s.exec;
  return 96 * B * seq * l * h * h * (1 + seq / (6 * h) + V / (16 * l * h));
}

export function metricOf(metric: TrainingMetric, s: Scenario, r: SimulationResult): number {
  switch (metric) {
    case 'stepTimeSeconds':
      return r.stepTimeSeconds;
    case 'megatronTflopsPerGpu':
      return megatronFlopsPerStep(s) / r.stepTimeSeconds / s.exec.gpus / 1e12;
    case 'modelTflopsPerGpu':
      return r.tflopsPerGpu;
    case 'hardwareTflopsPerGpu':
      return r.hardwareTflopsPerGpu;
    case 'allocatedMemoryGiB':
      // What PyTorch's allocator reports (max_memory_allocated, or the peak of active bytes): the
      // fullest GPU's memory less the CUDA context and library workspaces, which it does not count.
      return (r.peakMemoryBytesPerGpu - r.memory.reserveBytes) / GIB;
    case 'tokensPerSecondPerGpu':
      return r.tokensPerSecond / s.exec.gpus;
  }
}

export interface TrainingRow extends ValidationRow {
  fitsInMemory: boolean;
  peakMemoryBytesPerGpu: number;
}

/** A case the twin could not run on the catalog given (a swapped GPU without FP8, say), and why. */
export interface SkippedCase {
  id: string;
  reason: string;
}

/**
 * The group's rows. With `skipped`, a case the engine refuses (only possible on a catalog the
 * user changed, e.g. --swap-gpu) is listed there instead of aborting the suite.
 */
export function runTrainingGroup(g: TrainingGroup, catalog: PresetCatalog, skipped?: SkippedCase[]): TrainingRow[] {
  return g.cases.flatMap((c) => {
    let scenario;
    try {
      scenario = resolveScenario({ ...g.defaults, ...c.scenario } as never, catalog);
    } catch (err) {
      if (!skipped || !(err instanceof ClusterTwinError)) throw err;
      skipped.push({ id: `${g.name}.${c.id}`, reason: err.message });
      return [];
    }
    const result = evaluateScenario(scenario);
    const predicted = metricOf(g.metric, scenario, result);
    return [{
      id: `${g.name}.${c.id}`,
      config: result.fitsInMemory ? c.config : `${c.config} (twin: does not fit)`,
      metric: g.metric,
      unit: UNIT[g.metric],
      measured: c.measured,
      predicted,
      error: relativeError(predicted, c.measured),
      bounded: c.bounded ?? g.bounded,
      source: g.source,
      fitsInMemory: result.fitsInMemory,
      peakMemoryBytesPerGpu: result.peakMemoryBytesPerGpu,
      gpu: scenario.system.gpu.name,
      gpus: scenario.exec.gpus,
      softwareYear: g.softwareYear,
      precision: scenario.exec.precision,
      kernels: scenario.exec.kernels,
      moe: scenario.model.moe !== undefined,
      shardedWeights: scenario.exec.zero >= 3,
    }];
  });
}
