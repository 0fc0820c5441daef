/**
 * The model axis: a decoder-only transformer. Optional fields default to the
 * GPT-style shape (MHA, 4x GELU MLP, LayerNorm with biases).
 */
import { z } from 'zod';
import { BOUNDS, nameSchema, rangeText, type Bound } from './bounds.js';

/** A count within its stated bound (src/config/bounds.ts). */
const count = (b: Bound) => z.number().int().min(b.min, { error: () => `expected ${rangeText(b)}` }).max(b.max, { error: () => `expected ${rangeText(b)}` });
/** A count that may be 0 (none), up to its stated bound. */
const countOrNone = (b: Bound) => count({ ...b, min: 0 });

export const FFN_ACTIVATIONS = ['gelu', 'swiglu', 'relu2', 'relu'] as const;
export type FfnActivation = (typeof FFN_ACTIVATIONS)[number];
export const NORM_KINDS = ['layernorm', 'rmsnorm', 'low-precision-layernorm'] as const;
export type NormKind = (typeof NORM_KINDS)[number];

export const MoeSpecSchema = z.object({
  experts: count(BOUNDS.experts),
  topK: count(BOUNDS.experts),
  /** FFN hidden size of one expert; defaults to the model's ffnHidden. */
  expertFfnHidden: count(BOUNDS.ffnHidden).optional(),
  /** Token capacity per expert relative to an even split. */
  capacityFactor: z.number().min(0.01).max(1024).default(1),
  /**
   * Experts every token passes through beside its top-k (DeepSeekMoE's shared experts,
   * `n_shared_experts`), each of expertFfnHidden.
   */
  sharedExperts: countOrNone(BOUNDS.experts).default(0),
  /**
   * The first layers that are dense MLPs of the model's ffnHidden instead of experts (DeepSeek-V3's
   * `first_k_dense_replace`); the rest are MoE layers.
   */
  denseLayers: countOrNone(BOUNDS.layers).default(0),
});

/**
 * Multi-head latent attention (DeepSeek-V2, Liu et al. 2024, sec. 2.1; DeepSeek-V3): queries and
 * keys/values are projected down to low-rank latents; the KV cache holds the KV latent and one
 * shared rotary key per token. Names follow the Hugging Face config.json fields.
 */
export const MlaSpecSchema = z.object({
  /** Rank of the query latent (`q_lora_rank`): W_DQ is hidden x qLoraRank. */
  qLoraRank: count(BOUNDS.hidden),
  /** Rank of the joint KV latent (`kv_lora_rank`), what the cache holds per token. */
  kvLoraRank: count(BOUNDS.hidden),
  /** Per-head query/key dimension without rotary embedding (`qk_nope_head_dim`). */
  qkNopeHeadDim: count(BOUNDS.headDim),
  /** Per-head query dimension, and the shared key's, that carry the rotary embedding (`qk_rope_head_dim`). */
  qkRopeHeadDim: count(BOUNDS.headDim),
  /** Per-head value dimension (`v_head_dim`). */
  vHeadDim: count(BOUNDS.headDim),
});

export const ModelSpecSchema = z.object({
  name: nameSchema(),
  description: z.string().max(BOUNDS.textChars.max).optional(),
  layers: count(BOUNDS.layers),
  hidden: count(BOUNDS.hidden),
  heads: count(BOUNDS.heads),
  /** Key/value heads (grouped-query attention); defaults to heads. */
  kvHeads: count(BOUNDS.heads).optional(),
  /** Dimension of one attention head; defaults to hidden / heads (Qwen3 and Gemma decouple it). */
  headDim: count(BOUNDS.headDim).optional(),
  /** MLP hidden size; defaults to 4 x hidden. */
  ffnHidden: count(BOUNDS.ffnHidden).optional(),
  ffnAct: z.enum(FFN_ACTIVATIONS).default('gelu'),
  vocab: count(BOUNDS.vocab),
  /** Input embedding and output projection share one matrix. */
  tiedEmbeddings: z.boolean().default(false),
  /**
   * LayerNorm, RMSNorm, or MPT's low-precision LayerNorm (llm-foundry's default `norm_type`), which
   * casts its input to 16 bits under autocast and normalizes there rather than in fp32.
   */
  norm: z.enum(NORM_KINDS).default('layernorm'),
  /** Linear layers carry biases (GPT-2/3 style). */
  bias: z.boolean().default(true),
  /** Dropout is applied (stores masks; GPT-3-era stacks). */
  dropout: z.boolean().default(false),
  /** Learned absolute positions (GPT-3, OPT), rotary (Llama) or ALiBi biases (BLOOM). */
  positional: z.enum(['learned', 'rope', 'alibi']).default('learned'),
  /** Context length the model was trained with (a default for `seq`). */
  maxSeq: count(BOUNDS.seq).optional(),
  /**
   * Tokens the model was trained on, as its authors published them (the default token budget of a
   * run; without it a run takes 20 tokens a parameter, Chinchilla's rule). Cite the source beside it.
   */
  trainingTokens: z.number().positive().max(BOUNDS.tokens.max).optional(),
  moe: MoeSpecSchema.optional(),
  /** Multi-head latent attention in place of MHA/GQA (kvHeads and headDim then do not shape attention). */
  mla: MlaSpecSchema.optional(),
});

export type ModelSpecInput = z.input<typeof ModelSpecSchema>;
export type ModelSpecParsed = z.infer<typeof ModelSpecSchema>;
export type MoeSpec = z.infer<typeof MoeSpecSchema>;
export type MlaSpec = z.infer<typeof MlaSpecSchema>;
/**
 * A model with every default filled in. `overrides` holds the fields a scenario changed on its preset
 * (only those that differ), so output can say the model is no longer the preset it is named after.
 */
export type ModelSpec = Omit<ModelSpecParsed, 'kvHeads' | 'ffnHidden'> & { kvHeads: number; ffnHidden: number; overrides?: ModelOverrides };

/** Model fields a scenario may override on a preset (the override flags). */
export interface ModelOverrides {
  layers?: number;
  hidden?: number;
  heads?: number;
  kvHeads?: number;
  ffnHidden?: number;
  ffnAct?: FfnActivation;
  vocab?: number;
  tiedEmbeddings?: boolean;
  dropout?: boolean;
}

export function completeModel(m: ModelSpecParsed): ModelSpec {
  return { ...m, kvHeads: m.kvHeads ?? m.heads, ffnHidden: m.ffnHidden ?? 4 * m.hidden };
}
