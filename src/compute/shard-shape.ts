/**
 * How one GPU's share of a micro-batch is shaped, and the GEMMs of one transformer layer on it, split
 * as Megatron-LM's tensor parallelism splits them (Shoeybi et al. 2019): QKV and FC1 by columns, the
 * projection and FC2 by rows.
 */
import type { ModelSpec } from '../config/model-schema.js';
import type { AttentionKernel as AttentionImpl, Fp8Overheads, Fp8Recipe, KernelStyle, Precision, RecomputeMode } from '../config/execution-schema.js';
import { expertFfnHidden, headDim } from '../model/transformer.js';
import type { GemmKernel, GemmPrecision } from './kernel.js';

/** How one GPU's share of a micro-batch is shaped. */
export interface ShardShape {
  /** Micro-batch, sequences. */
  mbs: number;
  /** Full sequence length, tokens. */
  seq: number;
  tp: number;
  cp: number;
  ep: number;
  /** Expert tensor parallelism (Execution.etp); null or absent: experts unsplit. */
  etp?: number | null;
  sp: boolean;
  attention: AttentionImpl;
  precision: Precision;
  recompute: RecomputeMode;
  /** fp32 weights are cast to 16 bits at every use, and their gradients back (PyTorch autocast). */
  weightDtype: 'bf16' | 'fp32';
  /** Fused elementwise kernels (Megatron-LM, TE) or eager PyTorch reference code. */
  kernels: KernelStyle;
  /** FP8's costs beyond the casts, and the recipe (fp8-overheads.ts); absent: off. */
  fp8Overheads?: Fp8Overheads;
  fp8Recipe?: Fp8Recipe;
  /** The GPU's FP8 GEMMs take any operand layout (GpuSpec.fp8AnyLayoutGemm): per-tensor casts write no transpose. */
  fp8AnyLayoutGemm?: boolean;
}

/** Bytes per activation element (bf16/fp16). */
export const ACT_BYTES = 2;

export const gemmPrecision = (p: Precision): GemmPrecision => (p === 'fp8' ? 'fp8' : p === 'fp16' ? 'fp16' : 'bf16');

/**
 * Bytes per element of the residual stream: under autocast over fp32 weights the embedding's output
 * is fp32 (autocast leaves embeddings alone) and the residual adds keep it fp32.
 */
export const residualStreamBytes = (s: ShardShape): number => (s.weightDtype === 'fp32' ? 4 : ACT_BYTES);

/** Tokens of the micro-batch this GPU holds along the sequence (after CP). */
export const localTokens = (s: ShardShape): number => (s.mbs * s.seq) / s.cp;

/** Tokens on which norms, dropout and residual adds run on this GPU. */
export const elementwiseTokens = (s: ShardShape): number => localTokens(s) / (s.sp ? s.tp : 1);

/**
 * Tokens one GPU runs through its experts in an MoE layer: its share of the
 * TP group's tokens, routed top-k times, padded to the capacity factor, after
 * the all-to-all has balanced them over the EP group.
 */
export function routedTokensPerGpu(m: ModelSpec, s: ShardShape): number {
  if (!m.moe) return 0;
  return (localTokens(s) / s.tp) * m.moe.topK * m.moe.capacityFactor;
}

export function gemm(name: string, m: number, n: number, k: number, precision: GemmPrecision, batch = 1): GemmKernel {
  return { kind: 'gemm', name, m, n, k, batch, precision };
}

export interface LayerGemms {
  qkv: GemmKernel;
  proj: GemmKernel;
  fc1: GemmKernel;
  fc2: GemmKernel;
}

export function layerGemms(m: ModelSpec, s: ShardShape): LayerGemms {
  const t = localTokens(s);
  const d = headDim(m);
  const p = gemmPrecision(s.precision);
  const f = expertFfnHidden(m);
  const fc1Width = (m.ffnAct === 'swiglu' ? 2 : 1) * f;
  let mlpTokens = t;
  let mlpBatch = 1;
  let mlpTp = s.tp;
  if (m.moe) {
    // Each EP rank holds experts/ep experts; tokens arrive top-k times, padded
    // to the capacity factor. With expert TP the dispatcher all-gathers the routed
    // tokens of the ETP group and each expert's weights are split etp ways (the
    // same FLOPs, in GEMMs etp times taller and etp times narrower); without it
    // experts are not split.
    const etp = s.etp ?? 1;
    const expertsLocal = m.moe.experts / s.ep;
    mlpTokens = (etp * routedTokensPerGpu(m, s)) / expertsLocal;
    mlpBatch = expertsLocal;
    mlpTp = etp;
  }
  return {
    qkv: gemm('qkv', t, ((m.heads + 2 * m.kvHeads) * d) / s.tp, m.hidden, p),
    proj: gemm('proj', t, m.hidden, (m.heads * d) / s.tp, p),
    fc1: gemm('fc1', mlpTokens, fc1Width / mlpTp, m.hidden, p, mlpBatch),
    fc2: gemm('fc2', mlpTokens, m.hidden, f / mlpTp, p, mlpBatch),
  };
}

/**
 * The layer's Linear calls in the order the forward pass makes them. Llama-family code (rotary
 * embeddings) projects q, k and v apart and the SwiGLU gate (w1) before the up projection (w3), then
 * w2; GPT-style code runs fused QKV, the projection, FC1 and FC2.
 */
export function linearCalls(m: ModelSpec, s: ShardShape): GemmKernel[] {
  const g = layerGemms(m, s);
  if (m.positional !== 'rope') return [g.qkv, g.proj, g.fc1, g.fc2];
  const d = headDim(m);
  const part = (name: string, heads: number): GemmKernel => ({ ...g.qkv, name, n: (heads * d) / s.tp });
  const mlp = m.ffnAct === 'swiglu' ? [{ ...g.fc1, name: 'w1', n: g.fc1.n / 2 }, { ...g.fc1, name: 'w3', n: g.fc1.n / 2 }] : [g.fc1];
  return [part('q', m.heads), part('k', m.kvHeads), part('v', m.kvHeads), g.proj, ...mlp, g.fc2];
}

/**
 * torchtitan's per-op selective checkpointing (`selective_ac_option = "op"`): every matmul's and the
 * attention's output is saved except every second matmul's (a fresh count per block), and all else
 * is recomputed in the backward pass. Returns the Linear calls it saves and the ones it re-runs.
 */
export function selectiveOpSplit(m: ModelSpec, s: ShardShape): { saved: GemmKernel[]; recomputed: GemmKernel[] } {
  const calls = linearCalls(m, s);
  return { saved: calls.filter((_, i) => i % 2 === 0), recomputed: calls.filter((_, i) => i % 2 === 1) };
}
