/**
 * The deployments a serving plan searches, per system: tensor-parallel and pipeline sizes,
 * expert parallelism (mixture-of-experts models), the weight formats the GPU's tensor cores run,
 * and the batch limit (vLLM max_num_seqs). Each (deployment, batch limit) pair is one candidate.
 */
import type { ModelSpec } from '../../config/model-schema.js';
import type { SystemSpec } from '../../config/system-schema.js';
import { ClusterTwinError } from '../../errors.js';
import { WEIGHT_FORMATS, checkWeightFormat, type WeightFormat } from '../weight-format.js';

/** Pipeline sizes tried by default: serving rarely pipelines deeper than a few nodes. */
export const DEFAULT_PP = [1, 2, 4, 8] as const;

/**
 * Batch limits tried by default: doubling to 16, then steps of about 1.5x to 512 (vLLM's
 * max_num_seqs default is 256; 512 is where its CUDA graphs stop by default).
 */
export const DEFAULT_MAX_BATCH = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512] as const;

/** What to search; anything left out takes the defaults below. */
export interface PlanSpaceInput {
  tp?: readonly number[];
  pp?: readonly number[];
  weightFormats?: readonly WeightFormat[];
  maxBatch?: readonly number[];
}

/** One replica's shape before it is validated. */
export interface DeploymentShape {
  system: SystemSpec;
  tp: number;
  pp: number;
  ep: number;
  weightFormat: WeightFormat;
}

const powersOfTwoUpTo = (n: number): number[] => {
  const out: number[] = [];
  for (let x = 1; x <= n; x *= 2) out.push(x);
  return out;
};

/** TP sizes tried by default: powers of two within the NVLink domain (TP over the scale-out network is never worth it). */
export const defaultTp = (s: SystemSpec): number[] => powersOfTwoUpTo(s.node.nvlinkDomainGpus ?? s.node.gpusPerNode);

/** The weight formats whose GEMMs the GPU's tensor cores run. */
export function supportedWeightFormats(s: SystemSpec): WeightFormat[] {
  return WEIGHT_FORMATS.filter((f) => {
    try {
      checkWeightFormat(s.gpu, f);
      return true;
    } catch (e) {
      if (e instanceof ClusterTwinError) return false;
      throw e;
    }
  });
}

/** EP sizes for a TP size: 1 for a dense model; for a mixture of experts, the powers of two dividing both TP and the expert count. */
export function epChoices(m: ModelSpec, tp: number): number[] {
  if (!m.moe) return [1];
  const experts = m.moe.experts;
  return powersOfTwoUpTo(tp).filter((ep) => tp % ep === 0 && experts % ep === 0);
}

/** Every deployment shape of the space on one system (validity is checked later, one by one). */
export function deploymentShapes(system: SystemSpec, model: ModelSpec, space: PlanSpaceInput): DeploymentShape[] {
  const tps = space.tp ?? defaultTp(system);
  const pps = space.pp ?? DEFAULT_PP;
  // Formats the user names are kept even where the GPU lacks them: the validation rejects them, counted.
  const formats = space.weightFormats ?? supportedWeightFormats(system);
  const out: DeploymentShape[] = [];
  for (const tp of tps) for (const pp of pps) for (const ep of epChoices(model, tp)) for (const weightFormat of formats) out.push({ system, tp, pp, ep, weightFormat });
  return out;
}
