/**
 * A kernel is the unit of GPU work the compute model times: a GEMM (by its
 * shape), an attention kernel (by its executed FLOPs) or a memory-bound kernel
 * (by the bytes it moves).
 */
import type { GpuSpec } from '../config/system-schema.js';
import type { Precision } from '../config/execution-schema.js';
import { fp8TileFactor, MXFP8_GEMM_RATE } from './fp8-overheads.js';

/** The tensor-core format a GEMM runs in (fp4: NVFP4 on Blackwell, activations and weights both 4-bit). */
export type GemmPrecision = 'bf16' | 'fp16' | 'fp8' | 'fp4';

/** C[m,n] = A[m,k] x B[k,n], `batch` times. */
export interface GemmKernel {
  kind: 'gemm';
  name: string;
  m: number;
  n: number;
  k: number;
  batch: number;
  precision: GemmPrecision;
  /**
   * Bytes per element of B (the weights) when they are stored narrower than the GEMM runs, e.g. int4
   * weights dequantized to 16 bits inside the kernel; defaults to the precision's element size.
   */
  weightBytesPerElement?: number;
  /** An FP8 GEMM whose longer fixed cost per tile is counted (fp8-overheads.ts, execution fp8Overheads te). */
  fp8TileOverhead?: boolean;
  /** An MXFP8 GEMM (an E8M0 scale per 32 elements of each operand): it runs at MXFP8_GEMM_RATE of a per-tensor FP8 one. */
  blockScaled?: boolean;
}

/** Bytes per element of a GEMM's inputs in its precision. */
export const gemmElementBytes = (p: GemmPrecision): number => (p === 'fp4' ? 0.5 : p === 'fp8' ? 1 : 2);

/** A fused attention kernel (FlashAttention style), timed by the FLOPs it executes. */
export interface AttentionKernel {
  kind: 'attention';
  name: string;
  pass: 'forward' | 'backward';
  flops: number;
  /** FlashAttention-2 (CUDA) or the FlashAttention kernel written in Triton. */
  implementation: 'fa2' | 'triton';
}

/** A kernel limited by HBM bandwidth (norms, activations, softmax, casts, optimizer). */
export interface MemoryKernel {
  kind: 'memory';
  name: string;
  bytes: number;
}

export type Kernel = GemmKernel | AttentionKernel | MemoryKernel;

/** Two FLOPs per multiply-accumulate. */
export const gemmFlops = (g: GemmKernel): number => 2 * g.m * g.n * g.k * g.batch;

/** FLOPs a kernel executes (zero for memory-bound kernels). */
export function kernelFlops(k: Kernel): number {
  if (k.kind === 'gemm') return gemmFlops(k);
  if (k.kind === 'attention') return k.flops;
  return 0;
}

/** Dense peak FLOP/s of a GPU in a precision. */
export function peakFlopsPerSecond(gpu: GpuSpec, precision: Precision | GemmPrecision): number {
  const p = gpu.peakTflops;
  // A missing format falls back to fp16 (the checks in resolveExecution reject asking for it).
  const tflops =
    precision === 'fp4'
      ? (p.fp4 ?? p.fp8 ?? p.bf16 ?? p.fp16)
      : precision === 'fp8'
        ? (p.fp8 ?? p.bf16 ?? p.fp16)
        : precision === 'fp16'
          ? p.fp16
          : (p.bf16 ?? p.fp16);
  return tflops * 1e12;
}

/** Achieved HBM bandwidth for streaming kernels, bytes/s. */
export const achievedHbmBytesPerSecond = (gpu: GpuSpec): number =>
  gpu.hbmBandwidthGBps * 1e9 * gpu.efficiency.hbmBandwidthFraction;

/**
 * Output tiles a GEMM library may pick (relative to the GPU's largest tile),
 * with the fraction of the large-tile rate each reaches. Smaller tiles fill
 * more SMs on small GEMMs but reuse less data (NVIDIA, "Matrix Multiplication
 * Background User's Guide", tile and wave quantization). The rates follow
 * the A100 cuBLASLt size sweep in Azure's AI-benchmarking-guide: with them the
 * model gives 113 / 195 / 229 / 248 / 253 TFLOP/s at 1024^3 ... 16384^3 against
 * 119 / 222 / 228 / 254 / 257 measured (docs/sources/gpu-efficiency.md sec. 2).
 */
const TILE_CHOICES: ReadonlyArray<{ scaleM: number; scaleN: number; rate: number }> = [
  { scaleM: 1, scaleN: 1, rate: 1 },
  { scaleM: 0.5, scaleN: 1, rate: 0.95 },
  { scaleM: 0.5, scaleN: 0.5, rate: 0.9 },
  { scaleM: 0.25, scaleN: 0.5, rate: 0.7 },
];

/**
 * Fraction of the large-GEMM rate a GEMM of this shape reaches: the best
 * tile choice after tile and wave quantization, times a factor for short
 * reduction dimensions (fixed prologue/epilogue per tile).
 */
export function gemmShapeEfficiency(gpu: GpuSpec, m: number, n: number, k: number, batch = 1): number {
  const [tileM, tileN] = gpu.efficiency.gemmTile;
  const sms = gpu.smCount;
  let best = 0;
  for (const t of TILE_CHOICES) {
    const tm = tileM * t.scaleM;
    const tn = tileN * t.scaleN;
    const tiles = Math.ceil(m / tm) * Math.ceil(n / tn) * batch;
    const waves = Math.ceil(tiles / sms);
    const useful = (m * n * batch) / (waves * sms * tm * tn);
    best = Math.max(best, useful * t.rate);
  }
  const kFactor = k / (k + gpu.efficiency.gemmHalfRateK);
  return best * kFactor;
}

/**
 * How much slower the Triton FlashAttention kernel runs than FlashAttention-2:
 * FlashAttention-2 is 1.3-1.5x faster in the forward pass and about 2x in the
 * backward (Dao 2023, sec. 4.1, measured on A100; docs/sources/gpu-efficiency.md
 * sec. 4). The middle of the forward range is used, and the same ratios on
 * every GPU: neither kernel uses Hopper's TMA or warp specialization.
 */
export const TRITON_FORWARD_SLOWDOWN = 1.4;
export const TRITON_BACKWARD_SLOWDOWN = 2;

/** Seconds one kernel takes on one GPU. */
export function kernelSeconds(gpu: GpuSpec, kernel: Kernel): number {
  const e = gpu.efficiency;
  const overhead = e.kernelOverheadMicroseconds * 1e-6;
  const hbm = achievedHbmBytesPerSecond(gpu);
  switch (kernel.kind) {
    case 'gemm': {
      // No FP4 GEMM sweep is at hand: FP4 GEMMs are taken to reach FP8's fraction of their own peak.
      const fraction =
        kernel.precision === 'fp8' || kernel.precision === 'fp4' ? (e.gemmPeakFractionFp8 ?? e.gemmPeakFraction) : e.gemmPeakFraction;
      const rate =
        peakFlopsPerSecond(gpu, kernel.precision) *
        fraction *
        gemmShapeEfficiency(gpu, kernel.m, kernel.n, kernel.k, kernel.batch) *
        (kernel.fp8TileOverhead ? fp8TileFactor(gpu, kernel.k) : 1) *
        (kernel.blockScaled ? MXFP8_GEMM_RATE : 1);
      const elementBytes = gemmElementBytes(kernel.precision);
      const weightBytes = kernel.weightBytesPerElement ?? elementBytes;
      const bytes =
        kernel.batch * (elementBytes * kernel.m * kernel.k + weightBytes * kernel.k * kernel.n) + 2 * kernel.batch * kernel.m * kernel.n;
      return Math.max(gemmFlops(kernel) / rate, bytes / hbm) + overhead;
    }
    case 'attention': {
      let fraction = kernel.pass === 'forward' ? e.flashAttentionForwardFraction : e.flashAttentionBackwardFraction;
      if (kernel.implementation === 'triton') fraction /= kernel.pass === 'forward' ? TRITON_FORWARD_SLOWDOWN : TRITON_BACKWARD_SLOWDOWN;
      return kernel.flops / (peakFlopsPerSecond(gpu, 'fp16') * fraction) + overhead;
    }
    case 'memory':
      return kernel.bytes / hbm + overhead;
  }
}

/** Total seconds of a list of kernels run back to back on one stream. */
export function kernelsSeconds(gpu: GpuSpec, kernels: readonly Kernel[]): number {
  let s = 0;
  for (const k of kernels) s += kernelSeconds(gpu, k);
  return s;
}
