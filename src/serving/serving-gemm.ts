/**
 * GEMMs as a serving step runs them: the weights in the deployment's format, and at small M the
 * fastest split-K form, so a decode step's few rows do not leave the SMs idle.
 */
import type { GpuSpec } from '../config/system-schema.js';
import { gemmElementBytes, kernelSeconds, type GemmKernel } from '../compute/kernel.js';
import { gemm } from '../compute/shard-shape.js';
import type { Deployment } from './deployment.js';
import { WEIGHT_FORMAT_GEMM, weightBytesPerElement } from './weight-format.js';

/** Reduction splits a small-M GEMM may use to fill the SMs (cuBLASLt's split-K). */
const SPLIT_K = [1, 2, 4, 8, 16] as const;
/** The shortest reduction slice a split-K kernel keeps. */
const MIN_SPLIT_K = 256;

/** The fastest split-K form of a GEMM: each split reads its slice of A and B once and writes a partial C. */
export function servingGemmSeconds(gpu: GpuSpec, g: GemmKernel): number {
  let best = Infinity;
  for (const s of SPLIT_K) {
    if (s > 1 && g.k / s < MIN_SPLIT_K) break;
    best = Math.min(best, kernelSeconds(gpu, { ...g, k: g.k / s, batch: g.batch * s }));
  }
  return best;
}

/** A GEMM over a layer weight (k x n, `batch` of them) in the deployment's weight format. */
export function weightGemm(d: Pick<Deployment, 'weightFormat'>, name: string, rows: number, n: number, k: number, batch = 1): GemmKernel {
  return { ...gemm(name, rows, n, k, WEIGHT_FORMAT_GEMM[d.weightFormat], batch), weightBytesPerElement: weightBytesPerElement(d.weightFormat) };
}

/** Weight bytes a GEMM reads from HBM. */
export const gemmWeightBytes = (g: GemmKernel): number => g.k * g.n * g.batch * (g.weightBytesPerElement ?? gemmElementBytes(g.precision));

/** A GPU whose kernels carry no launch gap: the step model adds launches itself (eager or graph). */
export const withoutLaunchGap = (gpu: GpuSpec): GpuSpec => ({ ...gpu, efficiency: { ...gpu.efficiency, kernelOverheadMicroseconds: 0 } });
