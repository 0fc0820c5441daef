/**
 * How a serving deployment stores its weights and runs its GEMMs. The layers' linear weights take
 * the format; the embedding table and the output projection stay 16-bit, as vLLM's fp8 and
 * AWQ/GPTQ checkpoints and gpt-oss's MXFP4 checkpoint keep them (modules_to_not_convert).
 */
import type { GpuSpec } from '../config/system-schema.js';
import type { GemmPrecision } from '../compute/kernel.js';
import { ClusterTwinError } from '../errors.js';

export const WEIGHT_FORMATS = ['bf16', 'fp8', 'fp4', 'int4'] as const;
/** bf16; fp8 (e4m3, GEMMs on FP8 tensor cores); fp4 (NVFP4 on Blackwell FP4 tensor cores); int4 (weight-only, dequantized to 16 bits in the GEMM). */
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];

export const KV_DTYPES = ['bf16', 'fp8'] as const;
export type KvDtype = (typeof KV_DTYPES)[number];

/** Bytes per KV-cache element. */
export const KV_DTYPE_BYTES: Record<KvDtype, number> = { bf16: 2, fp8: 1 };

/** Bytes per weight element, without the quantization scales. */
export const WEIGHT_ELEMENT_BYTES: Record<WeightFormat, number> = { bf16: 2, fp8: 1, fp4: 0.5, int4: 0.5 };

/**
 * Bytes of scale per weight element. NVFP4: one E4M3 scale per 16 elements (NVIDIA, "Introducing
 * NVFP4", 2025). int4: one 16-bit scale per group of 128 (AWQ's and GPTQ's default group size).
 * fp8: one scale per tensor or channel, negligible.
 */
export const WEIGHT_SCALE_BYTES: Record<WeightFormat, number> = { bf16: 0, fp8: 0, fp4: 1 / 16, int4: 2 / 128 };

/** Bytes HBM holds (and a GEMM reads) per weight element, scales included. */
export const weightBytesPerElement = (f: WeightFormat): number => WEIGHT_ELEMENT_BYTES[f] + WEIGHT_SCALE_BYTES[f];

/** The tensor-core precision a format's GEMMs run at: int4 weight-only runs at the 16-bit rate. */
export const WEIGHT_FORMAT_GEMM: Record<WeightFormat, GemmPrecision> = { bf16: 'bf16', fp8: 'fp8', fp4: 'fp4', int4: 'bf16' };

/** Refuses a format whose GEMMs need a tensor-core precision the GPU does not have. */
export function checkWeightFormat(gpu: GpuSpec, format: WeightFormat, path = 'weightFormat'): void {
  if (format === 'fp8' && gpu.peakTflops.fp8 === undefined) {
    throw new ClusterTwinError('unsupported', path, `${gpu.name} has no FP8 tensor cores (no peakTflops.fp8): use bf16 or int4`);
  }
  if (format === 'fp4' && gpu.peakTflops.fp4 === undefined) {
    throw new ClusterTwinError('unsupported', path, `${gpu.name} has no FP4 tensor cores (no peakTflops.fp4; NVFP4 needs Blackwell): use int4 for 4-bit weights`);
  }
}
