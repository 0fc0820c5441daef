/**
 * The attention of one layer on one GPU in one serving step: the only part of a step that depends
 * on how many tokens the batch attends to (the step timer caches the rest, servingStepTimer).
 *
 * MHA/GQA: prefill chunks (taken as equal) attend causally to themselves and to their prior tokens
 * on the fused-attention rate; decodes read every context token's K and V.
 *
 * MLA (DeepSeek-V2, Liu et al. 2024, sec. 2.1): the cache holds one latent c (kv_lora_rank) and one
 * shared rotary key k_R (qk_rope_head_dim) per token. Two forms, as SGLang and vLLM run them:
 * - decode, absorbed: W_UK is folded into the query and W_UV into the output ("W^UK can be absorbed
 *   into W^Q, and W^UV into W^O", sec. 2.1.2), so each head attends over the latents directly (the
 *   FlashMLA kernel's 576-wide keys, 512 + 64, and 512-wide values). Per head and context token:
 *   the score over kv_lora_rank + rope dimensions, 2 (512 + 64) FLOPs, and the weighted sum of
 *   latents, 2 x 512: 2176 FLOPs, against 4 x 128 = 512 for a 128-wide MHA head. FlashMLA's own
 *   count is the same, 2 h_q s_q s_k (d_k + d_v) with d_k 576 and d_v 512 (deepseek-ai/FlashMLA,
 *   docs/20250422-new-kernel-deep-dive.md). The latent is read once per GPU for all its heads. Around it, per decoding token, two batched GEMMs over the GPU's
 *   heads: q_nope x W_UK (128 -> 512) and the latent output x W_UV (512 -> 128).
 * - prefill, not absorbed: K_nope and V are up-projected from the latents of the chunk and its
 *   prior tokens (one GEMM, kv_lora_rank -> heads (nope + v)), then causal attention with 192-wide
 *   query/key heads (nope 128 + rope 64) and 128-wide values: 2 (192 + 128) FLOPs a head and pair.
 *
 * Attention data parallelism deals a step's requests round-robin over the attention ranks; they run
 * at once and meet at the MLP, so the busiest rank (ceil of each kind of request) sets the time.
 */
import type { GpuSpec } from '../config/system-schema.js';
import type { MlaSpec } from '../config/model-schema.js';
import { achievedHbmBytesPerSecond, kernelSeconds } from '../compute/kernel.js';
import { ACT_BYTES } from '../compute/shard-shape.js';
import { headDim } from '../model/transformer.js';
import type { BatchShape } from './batch.js';
import { attentionTp, type Deployment } from './deployment.js';
import { kvBytesPerTokenPerGpu } from './kv-cache.js';
import { gemmWeightBytes, servingGemmSeconds, weightGemm } from './serving-gemm.js';

/** One layer's attention on one GPU: its time, kernels, and the weight bytes its GEMMs read (MLA's up-projections). */
export interface LayerAttention {
  seconds: number;
  kernels: number;
  weightBytes: number;
}

/**
 * The busiest attention rank's share of a step when its requests are dealt round-robin over `ranks`
 * attention-DP ranks: ceil(requests / ranks) of each kind, with their share of the tokens.
 */
export function attentionRankBatch(b: BatchShape, ranks: number): BatchShape {
  if (ranks === 1) return b;
  const prefills = Math.ceil(b.prefillRequests / ranks);
  const decodes = Math.ceil(b.decodeRequests / ranks);
  const p = b.prefillRequests > 0 ? prefills / b.prefillRequests : 0;
  const q = b.decodeRequests > 0 ? decodes / b.decodeRequests : 0;
  return {
    prefillRequests: prefills,
    prefillTokens: b.prefillTokens * p,
    prefillPriorTokens: b.prefillPriorTokens * p,
    decodeRequests: decodes,
    decodeContextTokens: b.decodeContextTokens * q,
  };
}

const prefills = (b: BatchShape): boolean => b.prefillRequests > 0 && b.prefillTokens > 0;

/** Attention-pairs of the step's prefill chunks: each chunk's c tokens attend to its p prior tokens and causally to itself. */
function prefillPairs(b: BatchShape): number {
  const c = b.prefillTokens / b.prefillRequests;
  const p = b.prefillPriorTokens / b.prefillRequests;
  return b.prefillRequests * (c * p + (c * c) / 2);
}

function mhaAttention(d: Deployment, gpu: GpuSpec, b: BatchShape): LayerAttention {
  const hd = headDim(d.model);
  const headsLocal = d.model.heads / attentionTp(d);
  const hbm = achievedHbmBytesPerSecond(gpu);
  const kvLayer = kvBytesPerTokenPerGpu(d, 1);
  let seconds = 0;
  let kernels = 0;
  if (prefills(b)) {
    const flops = 4 * headsLocal * hd * prefillPairs(b);
    const compute = kernelSeconds(gpu, { kind: 'attention', name: 'prefill-attention', pass: 'forward', flops, implementation: 'fa2' });
    const bytes = (b.prefillPriorTokens + b.prefillTokens) * kvLayer + 2 * ACT_BYTES * b.prefillTokens * headsLocal * hd;
    seconds += Math.max(compute, bytes / hbm);
    kernels++;
  }
  if (b.decodeRequests > 0) {
    const flops = 4 * headsLocal * hd * b.decodeContextTokens;
    const compute = kernelSeconds(gpu, { kind: 'attention', name: 'decode-attention', pass: 'forward', flops, implementation: 'fa2' });
    const bytes = b.decodeContextTokens * kvLayer + 2 * ACT_BYTES * b.decodeRequests * headsLocal * hd;
    seconds += Math.max(compute, bytes / hbm);
    kernels++;
  }
  return { seconds, kernels, weightBytes: 0 };
}

/**
 * MLA's attention core on the fused-attention rate. FlashMLA reports 580 TFLOPS compute-bound on
 * H800 (660 with its 2025 kernel; deepseek-ai/FlashMLA README and deep dive), not measured here on
 * the GPUs of the presets, so the FA2 rate of the GPU preset stands in.
 */
function mlaAttention(d: Deployment, gpu: GpuSpec, b: BatchShape, mla: MlaSpec): LayerAttention {
  const headsLocal = d.model.heads / attentionTp(d);
  const hbm = achievedHbmBytesPerSecond(gpu);
  const kvLayer = kvBytesPerTokenPerGpu(d, 1);
  const latent = mla.kvLoraRank;
  const out: LayerAttention = { seconds: 0, kernels: 0, weightBytes: 0 };
  const addGemm = (name: string, rows: number, n: number, k: number, batch = 1): void => {
    const g = weightGemm(d, name, rows, n, k, batch);
    out.seconds += servingGemmSeconds(gpu, g);
    out.weightBytes += gemmWeightBytes(g);
    out.kernels++;
  };
  if (prefills(b)) {
    const context = b.prefillPriorTokens + b.prefillTokens;
    addGemm('mla.kv-up', context, headsLocal * (mla.qkNopeHeadDim + mla.vHeadDim), latent);
    const qk = mla.qkNopeHeadDim + mla.qkRopeHeadDim;
    const flops = 2 * (qk + mla.vHeadDim) * headsLocal * prefillPairs(b);
    const compute = kernelSeconds(gpu, { kind: 'attention', name: 'mla-prefill-attention', pass: 'forward', flops, implementation: 'fa2' });
    // Reads the up-projected K (nope + the shared rope key) and V of the context, and Q; writes O.
    const bytes = ACT_BYTES * (context * headsLocal * (qk + mla.vHeadDim) + b.prefillTokens * headsLocal * (qk + mla.vHeadDim));
    out.seconds += Math.max(compute, bytes / hbm);
    out.kernels++;
  }
  if (b.decodeRequests > 0) {
    addGemm('mla.absorb-uk', b.decodeRequests, latent, mla.qkNopeHeadDim, headsLocal);
    const flops = headsLocal * b.decodeContextTokens * (2 * (latent + mla.qkRopeHeadDim) + 2 * latent);
    const compute = kernelSeconds(gpu, { kind: 'attention', name: 'mla-decode-attention', pass: 'forward', flops, implementation: 'fa2' });
    // The latents of every context token once, and each head's latent-space query and output.
    const bytes = b.decodeContextTokens * kvLayer + ACT_BYTES * b.decodeRequests * headsLocal * (2 * latent + mla.qkRopeHeadDim);
    out.seconds += Math.max(compute, bytes / hbm);
    out.kernels++;
    addGemm('mla.absorb-uv', b.decodeRequests, mla.vHeadDim, latent, headsLocal);
  }
  return out;
}

/** One layer's attention on one GPU of the busiest attention rank (every layer's is the same). */
export function layerAttention(d: Deployment, gpu: GpuSpec, b: BatchShape): LayerAttention {
  const rank = attentionRankBatch(b, d.attentionDp);
  return d.model.mla ? mlaAttention(d, gpu, rank, d.model.mla) : mhaAttention(d, gpu, rank);
}
