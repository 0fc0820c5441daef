/**
 * A Hugging Face `config.json` read into the model axis (src/config/model-schema.ts). Pure: the
 * caller reads the file (src/cli/model-file.ts), so the web page can import a pasted config too.
 *
 * Every key of the config is accounted for, by one of three lists:
 *   mapped        the key sets a model field (a family's fixed traits are mapped from `model_type`);
 *   ignored       the key does not change a step's time or memory (token ids, epsilons, rotary bases,
 *                 initialisation, routing losses, the checkpoint's storage format);
 *   approximated  the key changes the shape in a way the model spec cannot hold, and the importer
 *                 takes the nearest shape it can (sliding-window layers as full attention: an upper
 *                 bound on attention time and KV cache), said so, as the model presets already do.
 * Anything else is an error naming the key: an unknown model_type, a key the importer does not know,
 * or a shape it cannot even approximate (moe_layer_freq other than 1, layers left dense out of order,
 * a vision tower).
 */
import { ClusterTwinError } from '../errors.js';
import { BOUNDS, type Bound } from '../config/bounds.js';
import { ModelSpecSchema, type FfnActivation, type ModelSpecInput, type NormKind } from '../config/model-schema.js';

/** A config key and the model field it set. */
export interface HfMapping {
  key: string;
  field: string;
}
/** A config key left out, and why it does not matter to a step-time model. */
export interface HfIgnored {
  key: string;
  why: string;
}
/** A config key whose shape the model spec cannot hold, and what was taken instead. */
export interface HfApproximation {
  key: string;
  why: string;
}

/** What an import gives: the model, and every key of the config accounted for. */
export interface HfImport {
  model: ModelSpecInput;
  /** The config family read (its `model_type`). */
  family: HfFamily;
  mapped: HfMapping[];
  ignored: HfIgnored[];
  approximated: HfApproximation[];
}

/** The `model_type`s this importer reads. */
export const HF_FAMILIES = [
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen2_moe',
  'qwen3',
  'qwen3_moe',
  'deepseek_v3',
  'gpt2',
  'gpt_neox',
  'gemma',
  'gemma2',
  'gemma3_text',
  'gpt_oss',
  'mpt',
  'bloom',
  'opt',
] as const;
export type HfFamily = (typeof HF_FAMILIES)[number];

/** `architectures` entries, for a config that names no model_type (older exports). */
const FAMILY_OF_ARCHITECTURE: Record<string, HfFamily> = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'mistral',
  MixtralForCausalLM: 'mixtral',
  Qwen2ForCausalLM: 'qwen2',
  Qwen2MoeForCausalLM: 'qwen2_moe',
  Qwen3ForCausalLM: 'qwen3',
  Qwen3MoeForCausalLM: 'qwen3_moe',
  DeepseekV3ForCausalLM: 'deepseek_v3',
  GPT2LMHeadModel: 'gpt2',
  GPTNeoXForCausalLM: 'gpt_neox',
  GemmaForCausalLM: 'gemma',
  Gemma2ForCausalLM: 'gemma2',
  Gemma3ForCausalLM: 'gemma3_text',
  GptOssForCausalLM: 'gpt_oss',
  MPTForCausalLM: 'mpt',
  MptForCausalLM: 'mpt',
  BloomForCausalLM: 'bloom',
  OPTForCausalLM: 'opt',
};

type Json = Record<string, unknown>;

/**
 * Keys every transformers PretrainedConfig may carry that say nothing about the shape: token ids,
 * generation defaults, bookkeeping of the file itself, the checkpoint's storage format.
 */
const COMMON_IGNORED: Record<string, string> = {
  _name_or_path: 'where the config was loaded from (used for the model name when no name is given)',
  _commit_hash: 'bookkeeping of the download',
  _attn_implementation: 'which attention kernel transformers runs; set --attention',
  _from_model_config: 'bookkeeping of the file',
  transformers_version: 'the library version that wrote the file',
  torch_dtype: 'the checkpoint\'s storage dtype; set --precision',
  dtype: 'the checkpoint\'s storage dtype; set --precision',
  quantization_config: 'the checkpoint\'s storage format (FP8, MXFP4, ...); set --precision (serve: --precision fp8/fp4/int4)',
  use_cache: 'whether generation keeps a KV cache (serving always does)',
  bos_token_id: 'a token id',
  eos_token_id: 'a token id',
  pad_token_id: 'a token id',
  sep_token_id: 'a token id',
  unk_token_id: 'a token id',
  decoder_start_token_id: 'a token id',
  initializer_range: 'weight initialisation',
  init_std: 'weight initialisation',
  auto_map: 'which Python classes load the checkpoint',
  architectures: 'the head class; the family is read from model_type',
  model_type: 'the family (its fixed traits are mapped: see the family\'s mapping)',
  tokenizer_class: 'the tokenizer',
  id2label: 'classification labels',
  label2id: 'classification labels',
  problem_type: 'classification heads',
  return_dict: 'a Python API switch',
  output_attentions: 'a Python API switch',
  output_hidden_states: 'a Python API switch',
  torchscript: 'a Python API switch',
  use_return_dict: 'a Python API switch',
  is_decoder: 'encoder-decoder bookkeeping',
  is_encoder_decoder: 'encoder-decoder bookkeeping (must be false: checked)',
  tie_encoder_decoder: 'encoder-decoder bookkeeping',
  chunk_size_feed_forward: 'a memory-saving loop in transformers, the same FLOPs',
  pruned_heads: 'pruning bookkeeping (empty in released checkpoints)',
  use_bfloat16: 'a legacy dtype switch; set --precision',
  tf_legacy_loss: 'TensorFlow loss switch',
  task_specific_params: 'generation defaults',
  prefix: 'generation defaults',
  max_length: 'generation defaults',
  min_length: 'generation defaults',
  do_sample: 'generation defaults',
  temperature: 'generation defaults',
  top_p: 'generation defaults',
  top_k: 'generation defaults',
  num_beams: 'generation defaults',
  repetition_penalty: 'generation defaults',
  cache_implementation: 'transformers\' KV cache class',
  finetuning_task: 'training bookkeeping',
};

/** The reader of one config: what it used, in order, and its three lists. */
class Reader {
  readonly mapped: HfMapping[] = [];
  readonly ignored: HfIgnored[] = [];
  readonly approximated: HfApproximation[] = [];
  private readonly seen = new Set<string>();
  constructor(
    readonly cfg: Json,
    readonly family: HfFamily,
  ) {}

  has(key: string): boolean {
    return this.cfg[key] !== undefined && this.cfg[key] !== null;
  }
  raw(key: string): unknown {
    return this.cfg[key];
  }
  private touch(key: string): void {
    this.seen.add(key);
  }
  map(key: string, field: string): void {
    this.touch(key);
    if (key in this.cfg) this.mapped.push({ key, field });
  }
  ignore(keys: string[], why: string): void {
    for (const key of keys) {
      this.touch(key);
      if (key in this.cfg) this.ignored.push({ key, why });
    }
  }
  approximate(key: string, why: string): void {
    this.touch(key);
    this.approximated.push({ key, why });
  }

  /** A whole number within a model field's bound, mapped to that field; absent: `fallback`, or an error. */
  count(key: string, field: string, bound: Bound, fallback?: number): number {
    this.map(key, field);
    const v = this.cfg[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw new ClusterTwinError('invalid_value', key, `missing: a ${this.family} config must give ${key} (the model's ${field})`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ClusterTwinError('invalid_value', key, `expected a whole number, got ${JSON.stringify(v)}`);
    if (v < bound.min || v > bound.max) throw new ClusterTwinError('out_of_range', key, `${v} is out of range for the model's ${field}: expected from ${bound.min} to ${bound.max}`);
    return v;
  }

  /** A boolean mapped to `field`; absent: the family class's default. */
  flag(key: string, field: string, fallback: boolean): boolean {
    this.map(key, field);
    const v = this.cfg[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') throw new ClusterTwinError('invalid_value', key, `expected true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A number (a dropout probability, a ratio) with no field of its own. */
  number(key: string): number | undefined {
    const v = this.cfg[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ClusterTwinError('invalid_value', key, `expected a number, got ${JSON.stringify(v)}`);
    return v;
  }

  /** Keys neither mapped, ignored nor approximated: the first is an error. */
  unknownKeys(): string[] {
    return Object.keys(this.cfg).filter((k) => !this.seen.has(k) && !(k in COMMON_IGNORED));
  }
  commonIgnored(): void {
    for (const key of Object.keys(this.cfg)) {
      if (!this.seen.has(key) && key in COMMON_IGNORED) this.ignore([key], COMMON_IGNORED[key]);
    }
  }
}

/** Activations of a gated MLP (three matrices): SiLU is SwiGLU; GELU gates (GeGLU) are taken as SwiGLU. */
function gatedActivation(r: Reader, key: string): FfnActivation {
  const act = r.raw(key);
  r.map(key, 'ffnAct');
  if (act === undefined || act === null || act === 'silu' || act === 'swish') return 'swiglu';
  if (typeof act === 'string' && /^gelu/.test(act)) {
    r.approximate(key, `${act} gates the MLP (GeGLU): taken as SwiGLU, the same three matrices and FLOPs; only the elementwise activation differs`);
    return 'swiglu';
  }
  throw new ClusterTwinError('unsupported', key, `${JSON.stringify(act)} is not an activation the ${r.family} importer knows; allowed: silu, swish, gelu, gelu_new, gelu_pytorch_tanh`);
}

/** Activations of a plain two-matrix MLP. */
function plainActivation(r: Reader, key: string, fallback: FfnActivation): FfnActivation {
  const act = r.raw(key);
  r.map(key, 'ffnAct');
  if (act === undefined || act === null) return fallback;
  if (typeof act === 'string' && /^gelu/.test(act)) return 'gelu';
  if (act === 'relu') return 'relu';
  throw new ClusterTwinError('unsupported', key, `${JSON.stringify(act)} is not an activation the ${r.family} importer knows; allowed: gelu, gelu_new, gelu_fast, gelu_pytorch_tanh, relu`);
}

/** Dropout is applied when any of these probabilities is above 0 (its masks cost time and memory). */
function dropoutOf(r: Reader, keys: string[]): boolean {
  let any = false;
  for (const key of keys) {
    const p = r.number(key);
    if (p === undefined) {
      r.ignore([key], 'no dropout');
      continue;
    }
    if (p < 0 || p >= 1) throw new ClusterTwinError('out_of_range', key, `${p} is not a dropout probability: expected from 0 to below 1`);
    if (p > 0) {
      r.map(key, 'dropout');
      any = true;
    } else r.ignore([key], 'dropout 0: none applied');
  }
  return any;
}

/**
 * Sliding-window attention (Mistral 7B v0.1, Qwen2's use_sliding_window, Gemma 2/3's local layers,
 * gpt-oss's alternate layers). The model spec has one attention span, the whole sequence: a window
 * shorter than the context is taken as full attention, an upper bound on attention time and KV cache.
 */
function slidingWindow(r: Reader, maxSeq: number | undefined, layersKey?: string): void {
  const window = r.raw('sliding_window');
  const keys = ['sliding_window', 'sliding_window_size', 'sliding_window_pattern', 'layer_types', 'max_window_layers', 'use_sliding_window', 'rope_local_base_freq', ...(layersKey ? [layersKey] : [])];
  const enabled = r.raw('use_sliding_window') !== false && typeof window === 'number' && (maxSeq === undefined || window < maxSeq);
  if (!enabled) {
    r.ignore(keys, 'no sliding window shorter than the context: every layer attends to the whole sequence, as the model spec does');
    return;
  }
  const types = r.raw('layer_types');
  const local = Array.isArray(types) ? types.filter((t) => t === 'sliding_attention').length : undefined;
  const layers = Array.isArray(types) ? types.length : undefined;
  r.approximate('sliding_window', `a ${window}-token window on ${local !== undefined ? `${local} of ${layers} layers` : 'its local layers'}: taken as full attention (the model spec has one span), an upper bound on attention time and KV cache`);
  r.ignore(keys.filter((k) => k !== 'sliding_window'), 'the sliding-window pattern (see sliding_window, approximated)');
}

const ROPE_KEYS = ['rope_theta', 'rope_scaling', 'rope_parameters', 'rope_type', 'partial_rotary_factor', 'rotary_emb_base', 'rotary_pct', 'rope_local_base_freq'];
const ROPE_WHY = 'rotary embedding frequencies and context extension: an elementwise rotation, the same cost at any base';

/** What each family builds. */
interface Shape {
  model: ModelSpecInput;
}

/** Llama-shaped decoders: Llama, Mistral, Mixtral, Qwen2/3, their MoE, Gemma; gated MLP, RMSNorm, rotary. */
function llamaLike(r: Reader, name: string): Shape {
  const f = r.family;
  const layers = r.count('num_hidden_layers', 'layers', BOUNDS.layers);
  const hidden = r.count('hidden_size', 'hidden', BOUNDS.hidden);
  const heads = r.count('num_attention_heads', 'heads', BOUNDS.heads);
  // transformers' classes default num_key_value_heads to the attention heads (MHA), Mistral's and Mixtral's to 8.
  const kvDefault = f === 'mistral' || f === 'mixtral' ? 8 : heads;
  const kvHeads = r.count('num_key_value_heads', 'kvHeads', BOUNDS.heads, kvDefault);
  const headDim = r.count('head_dim', 'headDim', BOUNDS.headDim, hidden / heads);
  const ffnHidden = r.count('intermediate_size', 'ffnHidden', BOUNDS.ffnHidden);
  const vocab = r.count('vocab_size', 'vocab', BOUNDS.vocab);
  const maxSeq = r.count('max_position_embeddings', 'maxSeq', BOUNDS.seq);
  const tiedDefault = f === 'gemma' || f === 'gemma2' || f === 'gemma3_text';
  const tiedEmbeddings = r.flag('tie_word_embeddings', 'tiedEmbeddings', tiedDefault);
  const actKey = r.has('hidden_activation') ? 'hidden_activation' : 'hidden_act';
  const ffnAct = gatedActivation(r, actKey);
  if (actKey === 'hidden_activation') r.ignore(['hidden_act'], 'superseded by hidden_activation (Gemma reads that one)');
  r.ignore(['rms_norm_eps'], 'the norm\'s epsilon');
  r.ignore(ROPE_KEYS, ROPE_WHY);
  r.ignore(['pretraining_tp'], 'Llama 2\'s reproduction of its tensor-parallel matmul order; the same shape');

  // Biases: one flag for every linear layer. Qwen2 puts them on q, k, v only.
  let bias = false;
  if (f === 'qwen2' || f === 'qwen2_moe') {
    r.approximate('model_type', `${f} puts biases on the q, k and v projections only ((heads + 2 kv heads) x head_dim = ${(heads + 2 * kvHeads) * headDim} a layer): not counted (the model spec's bias flag would add them to every linear layer)`);
  } else {
    const attnBias = r.flag('attention_bias', 'bias', false);
    const mlpBias = r.has('mlp_bias') ? r.flag('mlp_bias', 'bias', false) : attnBias;
    if (attnBias !== mlpBias) throw new ClusterTwinError('unsupported', 'mlp_bias', `mlp_bias ${mlpBias} beside attention_bias ${attnBias}: the model spec has one bias flag for every linear layer; allowed: both equal`);
    bias = attnBias;
  }
  const dropout = dropoutOf(r, ['attention_dropout']);
  slidingWindow(r, maxSeq);

  const model: ModelSpecInput = {
    name,
    layers,
    hidden,
    heads,
    ...(kvHeads !== heads ? { kvHeads } : {}),
    ...(headDim !== hidden / heads ? { headDim } : {}),
    ffnHidden,
    ffnAct,
    vocab,
    tiedEmbeddings,
    norm: 'rmsnorm',
    bias,
    dropout,
    positional: 'rope',
    maxSeq,
  };
  if (f === 'qwen3' || f === 'qwen3_moe' || f === 'gemma3_text') {
    r.approximate('model_type', `${f}'s per-head RMSNorm of queries and keys (2 x head_dim weights a layer) is not counted apart`);
  }
  if (f === 'gemma' || f === 'gemma2' || f === 'gemma3_text') {
    r.ignore(['query_pre_attn_scalar', 'attn_logit_softcapping', 'final_logit_softcapping'], 'attention and logit scaling: elementwise');
  }
  if (f === 'gemma2' || f === 'gemma3_text') {
    r.approximate('model_type', `${f}'s extra norms after attention and after the MLP (2 x hidden weights a layer) are not counted`);
  }
  if (f === 'mixtral') {
    const experts = r.count('num_local_experts', 'moe.experts', BOUNDS.experts);
    const topK = r.count('num_experts_per_tok', 'moe.topK', BOUNDS.experts);
    r.ignore(['router_aux_loss_coef', 'output_router_logits', 'router_jitter_noise'], 'the router\'s training loss and noise');
    model.moe = { experts, topK, capacityFactor: 1 };
  }
  if (f === 'qwen3_moe' || f === 'qwen2_moe') {
    const experts = r.count('num_experts', 'moe.experts', BOUNDS.experts);
    const topK = r.count('num_experts_per_tok', 'moe.topK', BOUNDS.experts);
    const expertFfnHidden = r.count('moe_intermediate_size', 'moe.expertFfnHidden', BOUNDS.ffnHidden);
    const step = r.count('decoder_sparse_step', 'moe (every layer)', BOUNDS.layers, 1);
    if (step !== 1) throw new ClusterTwinError('unsupported', 'decoder_sparse_step', `${step}: experts on one layer in every ${step}, the rest dense; the model spec takes the dense layers first (moe.denseLayers); allowed: 1`);
    const dense = r.raw('mlp_only_layers');
    r.map('mlp_only_layers', 'moe (every layer)');
    if (dense !== undefined && dense !== null && !(Array.isArray(dense) && dense.length === 0)) {
      throw new ClusterTwinError('unsupported', 'mlp_only_layers', `${JSON.stringify(dense)}: dense layers among the MoE layers; the model spec holds only leading dense layers (moe.denseLayers); allowed: []`);
    }
    r.ignore(['norm_topk_prob', 'router_aux_loss_coef', 'output_router_logits', 'router_jitter_noise'], 'how the router weighs its top-k, and its training loss');
    // Every layer has experts: the dense MLP width (intermediate_size) builds no layer.
    r.ignored.push({ key: 'intermediate_size', why: 'the dense MLP width, which no layer uses when every layer has experts (decoder_sparse_step 1, no mlp_only_layers); ffnHidden is the expert width' });
    const at = r.mapped.findIndex((m) => m.key === 'intermediate_size');
    if (at >= 0) r.mapped.splice(at, 1);
    model.ffnHidden = expertFfnHidden;
    model.moe = { experts, topK, expertFfnHidden, capacityFactor: 1 };
    if (f === 'qwen2_moe') {
      const shared = r.count('shared_expert_intermediate_size', 'moe.sharedExperts', BOUNDS.ffnHidden, 0);
      if (shared % expertFfnHidden !== 0) throw new ClusterTwinError('unsupported', 'shared_expert_intermediate_size', `${shared} is not a multiple of moe_intermediate_size ${expertFfnHidden}: the model spec's shared experts are each one expert wide`);
      model.moe.sharedExperts = shared / expertFfnHidden;
      r.approximate('shared_expert_intermediate_size', `one shared expert ${shared} wide taken as ${shared / expertFfnHidden} of ${expertFfnHidden} (the same weights and FLOPs); its sigmoid gate (hidden weights a layer) is not counted`);
    }
  }
  return { model };
}

/** DeepSeek-V3 (and R1): multi-head latent attention, shared experts, leading dense layers. */
function deepseekV3(r: Reader, name: string): Shape {
  const base = llamaLikeCore(r);
  const freq = r.count('moe_layer_freq', 'moe (every layer after the dense ones)', BOUNDS.layers, 1);
  if (freq !== 1) throw new ClusterTwinError('unsupported', 'moe_layer_freq', `${freq}: experts on one layer in every ${freq}; the model spec holds leading dense layers then MoE layers; allowed: 1`);
  const qLora = r.raw('q_lora_rank');
  if (qLora === null || qLora === undefined) {
    r.map('q_lora_rank', 'mla.qLoraRank');
    throw new ClusterTwinError('unsupported', 'q_lora_rank', 'null: uncompressed queries (DeepSeek-V2-Lite); the model spec\'s MLA has a query latent; allowed: a rank');
  }
  const mla = {
    qLoraRank: r.count('q_lora_rank', 'mla.qLoraRank', BOUNDS.hidden),
    kvLoraRank: r.count('kv_lora_rank', 'mla.kvLoraRank', BOUNDS.hidden),
    qkNopeHeadDim: r.count('qk_nope_head_dim', 'mla.qkNopeHeadDim', BOUNDS.headDim),
    qkRopeHeadDim: r.count('qk_rope_head_dim', 'mla.qkRopeHeadDim', BOUNDS.headDim),
    vHeadDim: r.count('v_head_dim', 'mla.vHeadDim', BOUNDS.headDim),
  };
  const moe = {
    experts: r.count('n_routed_experts', 'moe.experts', BOUNDS.experts),
    topK: r.count('num_experts_per_tok', 'moe.topK', BOUNDS.experts),
    expertFfnHidden: r.count('moe_intermediate_size', 'moe.expertFfnHidden', BOUNDS.ffnHidden),
    capacityFactor: 1,
    sharedExperts: r.count('n_shared_experts', 'moe.sharedExperts', { ...BOUNDS.experts, min: 0 }, 0),
    denseLayers: r.count('first_k_dense_replace', 'moe.denseLayers', { ...BOUNDS.layers, min: 0 }, 0),
  };
  r.ignore(['n_group', 'topk_group', 'topk_method', 'scoring_func', 'routed_scaling_factor', 'norm_topk_prob', 'aux_loss_alpha', 'seq_aux'], 'how the router picks and weighs its top-k (group-limited, sigmoid scores): the same experts a token passes through');
  r.ignore(['ep_size'], 'the expert parallelism of DeepSeek\'s reference code; set --ep');
  const mtp = r.number('num_nextn_predict_layers');
  if (mtp !== undefined && mtp > 0) r.approximate('num_nextn_predict_layers', `${mtp} multi-token-prediction module${mtp > 1 ? 's' : ''} not counted (DeepSeek's 671B main-model count leaves it out too; it adds a layer's work to training)`);
  else r.ignore(['num_nextn_predict_layers'], 'no multi-token-prediction module');
  return { model: { ...base, name, moe, mla } };
}

/** The common Llama-shaped fields without family extras (DeepSeek-V3 shares them). */
function llamaLikeCore(r: Reader): Omit<ModelSpecInput, 'name'> {
  const layers = r.count('num_hidden_layers', 'layers', BOUNDS.layers);
  const hidden = r.count('hidden_size', 'hidden', BOUNDS.hidden);
  const heads = r.count('num_attention_heads', 'heads', BOUNDS.heads);
  const kvHeads = r.count('num_key_value_heads', 'kvHeads', BOUNDS.heads, heads);
  const ffnHidden = r.count('intermediate_size', 'ffnHidden', BOUNDS.ffnHidden);
  const vocab = r.count('vocab_size', 'vocab', BOUNDS.vocab);
  const maxSeq = r.count('max_position_embeddings', 'maxSeq', BOUNDS.seq);
  const tiedEmbeddings = r.flag('tie_word_embeddings', 'tiedEmbeddings', false);
  const bias = r.flag('attention_bias', 'bias', false);
  const ffnAct = gatedActivation(r, 'hidden_act');
  const dropout = dropoutOf(r, ['attention_dropout']);
  r.ignore(['rms_norm_eps'], 'the norm\'s epsilon');
  r.ignore(ROPE_KEYS, ROPE_WHY);
  r.ignore(['pretraining_tp'], 'a reproduction of a tensor-parallel matmul order; the same shape');
  return { layers, hidden, heads, kvHeads, ffnHidden, ffnAct, vocab, tiedEmbeddings, norm: 'rmsnorm', bias, dropout, positional: 'rope', maxSeq };
}

/** gpt-oss: GQA with a set head_dim, experts with biases, alternate sliding-window layers. */
function gptOss(r: Reader, name: string): Shape {
  const layers = r.count('num_hidden_layers', 'layers', BOUNDS.layers);
  const hidden = r.count('hidden_size', 'hidden', BOUNDS.hidden);
  const heads = r.count('num_attention_heads', 'heads', BOUNDS.heads);
  const kvHeads = r.count('num_key_value_heads', 'kvHeads', BOUNDS.heads, heads);
  const headDim = r.count('head_dim', 'headDim', BOUNDS.headDim, hidden / heads);
  const ffnHidden = r.count('intermediate_size', 'ffnHidden, moe.expertFfnHidden', BOUNDS.ffnHidden);
  const vocab = r.count('vocab_size', 'vocab', BOUNDS.vocab);
  const maxSeq = r.count('max_position_embeddings', 'maxSeq', BOUNDS.seq);
  const experts = r.count('num_local_experts', 'moe.experts', BOUNDS.experts);
  const topK = r.count('num_experts_per_tok', 'moe.topK', BOUNDS.experts);
  if (r.has('experts_per_token') && r.raw('experts_per_token') !== topK) {
    throw new ClusterTwinError('invalid_value', 'experts_per_token', `${JSON.stringify(r.raw('experts_per_token'))} disagrees with num_experts_per_tok ${topK}`);
  }
  r.ignore(['experts_per_token'], 'the same as num_experts_per_tok');
  const tiedEmbeddings = r.flag('tie_word_embeddings', 'tiedEmbeddings', false);
  // GptOssAttention's q, k, v, o carry biases when attention_bias is set; its experts always do.
  const bias = r.flag('attention_bias', 'bias', true);
  const ffnAct = gatedActivation(r, 'hidden_act');
  const dropout = dropoutOf(r, ['attention_dropout']);
  r.ignore(['rms_norm_eps'], 'the norm\'s epsilon');
  r.ignore(ROPE_KEYS, ROPE_WHY);
  r.ignore(['initial_context_length'], 'the context before YaRN extension (max_position_embeddings is mapped)');
  r.ignore(['router_aux_loss_coef', 'output_router_logits'], 'the router\'s training loss');
  r.approximate('swiglu_limit', 'the clamped SwiGLU is taken as plain SwiGLU (an elementwise clamp)');
  r.approximate('model_type', 'gpt_oss\'s attention sinks (one learned logit a head a layer) are not counted');
  slidingWindow(r, maxSeq);
  return {
    model: { name, layers, hidden, heads, kvHeads, headDim, ffnHidden, ffnAct, vocab, tiedEmbeddings, norm: 'rmsnorm', bias, dropout, positional: 'rope', maxSeq, moe: { experts, topK, expertFfnHidden: ffnHidden, capacityFactor: 1 } },
  };
}

/** GPT-2: learned positions, LayerNorm and biases, tied embeddings, a 4x GELU MLP unless n_inner says. */
function gpt2(r: Reader, name: string): Shape {
  const layers = r.count('n_layer', 'layers', BOUNDS.layers);
  const hidden = r.count('n_embd', 'hidden', BOUNDS.hidden);
  const heads = r.count('n_head', 'heads', BOUNDS.heads);
  const ffnHidden = r.count('n_inner', 'ffnHidden', BOUNDS.ffnHidden, 4 * hidden);
  const vocab = r.count('vocab_size', 'vocab', BOUNDS.vocab);
  const maxSeq = r.count('n_positions', 'maxSeq', BOUNDS.seq);
  const ffnAct = plainActivation(r, 'activation_function', 'gelu');
  const tiedEmbeddings = r.flag('tie_word_embeddings', 'tiedEmbeddings', true);
  const dropout = dropoutOf(r, ['resid_pdrop', 'embd_pdrop', 'attn_pdrop']);
  if (r.raw('add_cross_attention') === true) throw new ClusterTwinError('unsupported', 'add_cross_attention', 'true: cross-attention to an encoder; the model spec is decoder-only; allowed: false');
  r.ignore(['add_cross_attention'], 'no cross-attention');
  r.ignore(['n_ctx'], 'a legacy copy of n_positions');
  r.ignore(['layer_norm_epsilon'], 'the norm\'s epsilon');
  r.ignore(['scale_attn_weights', 'scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn'], 'attention score scaling: elementwise');
  r.ignore(['summary_type', 'summary_use_proj', 'summary_activation', 'summary_proj_to_labels', 'summary_first_dropout'], 'the sequence-summary head of GPT2DoubleHeadsModel, not the language model');
  return { model: { name, layers, hidden, heads, ffnHidden, ffnAct, vocab, tiedEmbeddings, norm: 'layernorm', bias: true, dropout, positional: 'learned', maxSeq } };
}

/** GPT-NeoX (Pythia, GPT-NeoX-20B): rotary on part of each head, parallel residual, LayerNorm with biases. */
function gptNeox(r: Reader, name: string): Shape {
  const layers = r.count('num_hidden_layers', 'layers', BOUNDS.layers);
  const hidden = r.count('hidden_size', 'hidden', BOUNDS.hidden);
  const heads = r.count('num_attention_heads', 'heads', BOUNDS.heads);
  const ffnHidden = r.count('intermediate_size', 'ffnHidden', BOUNDS.ffnHidden);
  const vocab = r.count('vocab_size', 'vocab', BOUNDS.vocab);
  const maxSeq = r.count('max_position_embeddings', 'maxSeq', BOUNDS.seq);
  const ffnAct = plainActivation(r, 'hidden_act', 'gelu');
  const tiedEmbeddings = r.flag('tie_word_embeddings', 'tiedEmbeddings', false);
  const bias = r.flag('attention_bias', 'bias', true);
  const dropout = dropoutOf(r, ['hidden_dropout', 'attention_dropout', 'hidden_dropout_prob', 'attention_probs_dropout_prob']);
  r.ignore(['use_parallel_residual'], 'attention and MLP side by side or in turn: the same kernels');
  r.ignore(['layer_norm_eps'], 'the norm\'s epsilon');
  r.ignore(ROPE_KEYS, ROPE_WHY);
  r.ignore(['classifier_dropout'], 'classification heads');
  return { model: { name, layers, hidden, heads, ffnHidden, ffnAct, vocab, tiedEmbeddings, norm: 'layernorm', bias, dropout, positional: 'rope', maxSeq } };
}

/** MosaicML MPT (the config of its trust_remote_code and of transformers' MptConfig): ALiBi, no biases, tied. */
function mpt(r: Reader, name: string): Shape {
  const hidden = r.count('d_model', 'hidden', BOUNDS.hidden);
  const layers = r.count('n_layers', 'layers', BOUNDS.layers);
  const heads = r.count('n_heads', 'heads', BOUNDS.heads);
  const ratio = r.number('expansion_ratio') ?? 4;
  r.map('expansion_ratio', 'ffnHidden (expansion_ratio x d_model)');
  const ffnHidden = ratio * hidden;
  if (!Number.isInteger(ffnHidden) || ffnHidden < 1) throw new ClusterTwinError('invalid_value', 'expansion_ratio', `${ratio} x d_model ${hidden} is not a whole MLP width`);
  const vocab = r.count('vocab_size', 'vocab', BOUNDS.vocab);
  const maxSeq = r.count('max_seq_len', 'maxSeq', BOUNDS.seq);
  const noBias = r.flag('no_bias', 'bias (its negation)', false);
  const normType = r.raw('norm_type') ?? 'low_precision_layernorm';
  r.map('norm_type', 'norm');
  const norms: Record<string, NormKind> = { low_precision_layernorm: 'low-precision-layernorm', layernorm: 'layernorm', rmsnorm: 'rmsnorm', low_precision_rmsnorm: 'rmsnorm' };
  const norm = typeof normType === 'string' ? norms[normType] : undefined;
  if (!norm) throw new ClusterTwinError('unsupported', 'norm_type', `${JSON.stringify(normType)}; allowed: ${Object.keys(norms).join(', ')}`);
  const attn = (r.raw('attn_config') ?? {}) as Json;
  if (typeof attn !== 'object' || Array.isArray(attn)) throw new ClusterTwinError('invalid_value', 'attn_config', 'expected a mapping');
  r.map('attn_config', 'positional (attn_config.alibi), kvHeads (attn_config.kv_n_heads)');
  const alibi = attn.alibi === true;
  const attnType = attn.attn_type ?? 'multihead_attention';
  let kvHeads = heads;
  if (attnType === 'grouped_query_attention') kvHeads = typeof attn.kv_n_heads === 'number' ? attn.kv_n_heads : heads;
  else if (attnType === 'multiquery_attention') kvHeads = 1;
  else if (attnType !== 'multihead_attention') throw new ClusterTwinError('unsupported', 'attn_config.attn_type', `${JSON.stringify(attnType)}; allowed: multihead_attention, grouped_query_attention, multiquery_attention`);
  if (attn.qk_ln === true) r.approximate('attn_config.qk_ln', 'the LayerNorm of queries and keys is not counted');
  if (attn.rope === true) throw new ClusterTwinError('unsupported', 'attn_config.rope', 'rotary MPT configs are not read yet; allowed: alibi');
  const ffn = (r.raw('ffn_config') ?? {}) as Json;
  r.map('ffn_config', 'ffnAct');
  const ffnType = ffn.ffn_type ?? 'mptmlp';
  const ffnAct: FfnActivation = ffnType === 'mptglu' ? 'swiglu' : 'gelu';
  if (ffnType !== 'mptmlp' && ffnType !== 'mptglu') throw new ClusterTwinError('unsupported', 'ffn_config.ffn_type', `${JSON.stringify(ffnType)}; allowed: mptmlp, mptglu`);
  const dropout = dropoutOf(r, ['emb_pdrop', 'resid_pdrop']) || (typeof attn.attn_pdrop === 'number' && attn.attn_pdrop > 0);
  // Under ALiBi MPT builds no position table (transformers' MptModel has none).
  r.ignore(['learned_pos_emb'], alibi ? 'under ALiBi MPT builds no position table (transformers\' MptModel has none)' : 'positions');
  if (!alibi) throw new ClusterTwinError('unsupported', 'attn_config.alibi', 'false: learned positions in an MPT config are not read yet; allowed: true');
  r.ignore(['init_config', 'init_device', 'logit_scale', 'embedding_fraction', 'verbose', 'tokenizer_name', 'layer_norm_epsilon', 'fc_type', 'use_pad_tok_in_ffn'], 'initialisation, gradient scaling and bookkeeping');
  return { model: { name, layers, hidden, heads, ...(kvHeads !== heads ? { kvHeads } : {}), ffnHidden, ffnAct, vocab, tiedEmbeddings: true, norm, bias: !noBias, dropout, positional: 'alibi', maxSeq } };
}

/** BLOOM: ALiBi, LayerNorm with biases (and one after the embedding), tied, a 4x GELU MLP. */
function bloom(r: Reader, name: string): Shape {
  const layers = r.count(r.has('n_layer') ? 'n_layer' : 'num_hidden_layers', 'layers', BOUNDS.layers);
  const hiddenKey = r.has('hidden_size') ? 'hidden_size' : 'n_embed';
  const hidden = r.count(hiddenKey, 'hidden', BOUNDS.hidden);
  const heads = r.count(r.has('n_head') ? 'n_head' : 'num_attention_heads', 'heads', BOUNDS.heads);
  const vocab = r.count('vocab_size', 'vocab', BOUNDS.vocab);
  const maxSeq = r.has('seq_length') ? r.count('seq_length', 'maxSeq', BOUNDS.seq) : undefined;
  const tiedEmbeddings = r.flag('tie_word_embeddings', 'tiedEmbeddings', true);
  const inner = r.number('n_inner');
  if (inner !== undefined && inner !== 4 * hidden) throw new ClusterTwinError('unsupported', 'n_inner', `${inner}: BLOOM's MLP is 4 x hidden_size (${4 * hidden}) wide; allowed: null or ${4 * hidden}`);
  r.ignore(['n_inner'], 'null: the MLP is 4 x hidden_size, as BLOOM builds it');
  const dropout = dropoutOf(r, ['hidden_dropout', 'attention_dropout']);
  r.approximate('model_type', 'BLOOM\'s LayerNorm after the word embedding (2 x hidden weights) is not counted');
  r.ignore(['layer_norm_epsilon'], 'the norm\'s epsilon');
  r.ignore(['apply_residual_connection_post_layernorm'], 'where the residual branches off: the same kernels');
  r.ignore(['attention_softmax_in_fp32', 'masked_softmax_fusion', 'bias_dropout_fusion', 'skip_bias_add', 'skip_bias_add_qkv', 'slow_but_exact', 'pretraining_tp', 'offset_alibi'], 'Megatron-DeepSpeed kernel switches and reproduction settings');
  return { model: { name, layers, hidden, heads, ffnHidden: 4 * hidden, ffnAct: 'gelu', vocab, tiedEmbeddings, norm: 'layernorm', bias: true, dropout, positional: 'alibi', ...(maxSeq ? { maxSeq } : {}) } };
}

/** OPT: learned positions (two extra rows), LayerNorm with biases, tied, a ReLU MLP of ffn_dim. */
function opt(r: Reader, name: string): Shape {
  const layers = r.count('num_hidden_layers', 'layers', BOUNDS.layers);
  const hidden = r.count('hidden_size', 'hidden', BOUNDS.hidden);
  const heads = r.count('num_attention_heads', 'heads', BOUNDS.heads);
  const ffnHidden = r.count('ffn_dim', 'ffnHidden', BOUNDS.ffnHidden);
  const vocab = r.count('vocab_size', 'vocab', BOUNDS.vocab);
  const maxSeq = r.count('max_position_embeddings', 'maxSeq', BOUNDS.seq);
  const proj = r.number('word_embed_proj_dim');
  if (proj !== undefined && proj !== hidden) throw new ClusterTwinError('unsupported', 'word_embed_proj_dim', `${proj} differs from hidden_size ${hidden}: a projected embedding (OPT-350m); allowed: equal to hidden_size`);
  r.ignore(['word_embed_proj_dim'], 'equal to hidden_size: no projection');
  const ffnAct = plainActivation(r, 'activation_function', 'relu');
  const tiedEmbeddings = r.flag('tie_word_embeddings', 'tiedEmbeddings', true);
  const bias = r.flag('enable_bias', 'bias', true);
  const dropout = dropoutOf(r, ['dropout', 'attention_dropout', 'activation_dropout']);
  r.approximate('model_type', 'OPT\'s position table has 2 rows beyond max_position_embeddings (an offset of 2): not counted');
  r.ignore(['do_layer_norm_before', '_remove_final_layer_norm', 'layer_norm_elementwise_affine'], 'where the norms sit: the same kernels');
  r.ignore(['layerdrop'], 'skipping whole layers in training (0 in released configs)');
  r.ignore(['num_layers'], 'a legacy copy of num_hidden_layers');
  return { model: { name, layers, hidden, heads, ffnHidden, ffnAct, vocab, tiedEmbeddings, norm: 'layernorm', bias, dropout, positional: 'learned', maxSeq } };
}

/** The family of a config: its model_type, else its architectures; an error naming the key otherwise. */
function familyOf(cfg: Json): HfFamily {
  const mt = cfg.model_type;
  if (mt === 'gemma3' || cfg.text_config !== undefined || cfg.vision_config !== undefined) {
    throw new ClusterTwinError('unsupported', cfg.text_config !== undefined ? 'text_config' : 'model_type', `a multimodal config (${JSON.stringify(mt)}): its vision tower is not modelled; import the text_config object as a config of its own (model_type ${typeof mt === 'string' ? `${mt}_text` : 'of the text model'})`);
  }
  if (typeof mt === 'string') {
    if ((HF_FAMILIES as readonly string[]).includes(mt)) return mt as HfFamily;
    throw new ClusterTwinError('unsupported', 'model_type', `${JSON.stringify(mt)} is not a family this importer reads; allowed: ${HF_FAMILIES.join(', ')}`);
  }
  if (mt !== undefined) throw new ClusterTwinError('invalid_value', 'model_type', `expected a string, got ${JSON.stringify(mt)}`);
  const arch = cfg.architectures;
  const first = Array.isArray(arch) && typeof arch[0] === 'string' ? arch[0] : undefined;
  if (first && FAMILY_OF_ARCHITECTURE[first]) return FAMILY_OF_ARCHITECTURE[first];
  throw new ClusterTwinError('invalid_value', first ? 'architectures' : 'model_type', first ? `${JSON.stringify(first)} is not an architecture this importer reads, and there is no model_type; allowed: ${Object.keys(FAMILY_OF_ARCHITECTURE).join(', ')}` : `missing: a Hugging Face config names its family in model_type; allowed: ${HF_FAMILIES.join(', ')}`);
}

/** A model name from the config's own `_name_or_path` (its last part), else the family. */
function defaultName(cfg: Json, family: HfFamily): string {
  const path = typeof cfg._name_or_path === 'string' ? cfg._name_or_path.split(/[\\/]/).filter(Boolean).pop() : undefined;
  return (path ?? family).slice(0, BOUNDS.nameChars.max) || family;
}

/**
 * Reads a parsed Hugging Face config.json into a model spec. `name` names the model (default: the
 * config's `_name_or_path`, else its family). Throws a ClusterTwinError whose path is the config key.
 */
export function modelFromHfConfig(json: unknown, name?: string): HfImport {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ClusterTwinError('invalid_value', '', 'a config.json holds one JSON object of model fields');
  const cfg = json as Json;
  const family = familyOf(cfg);
  if (cfg.is_encoder_decoder === true) throw new ClusterTwinError('unsupported', 'is_encoder_decoder', 'true: an encoder-decoder model; the model spec is decoder-only; allowed: false');
  const r = new Reader(cfg, family);
  const modelName = name ?? defaultName(cfg, family);
  r.map('model_type', familyFields(family));
  const build: Record<HfFamily, (r: Reader, n: string) => Shape> = {
    llama: llamaLike,
    mistral: llamaLike,
    mixtral: llamaLike,
    qwen2: llamaLike,
    qwen2_moe: llamaLike,
    qwen3: llamaLike,
    qwen3_moe: llamaLike,
    gemma: llamaLike,
    gemma2: llamaLike,
    gemma3_text: llamaLike,
    deepseek_v3: deepseekV3,
    gpt_oss: gptOss,
    gpt2,
    gpt_neox: gptNeox,
    mpt,
    bloom,
    opt,
  };
  const { model } = build[family](r, modelName);
  const unknown = r.unknownKeys();
  if (unknown.length > 0) {
    throw new ClusterTwinError('unsupported', unknown[0], `not a ${family} key this importer knows${unknown.length > 1 ? ` (nor ${unknown.length - 1} more: ${unknown.slice(1, 4).join(', ')}${unknown.length > 4 ? ', ...' : ''})` : ''}; it maps ${r.mapped.map((m) => m.key).filter((k) => k !== 'model_type').join(', ')} and ignores token ids, epsilons, rotary settings and bookkeeping (docs/interop/hf-config.md)`);
  }
  r.commonIgnored();
  const parsed = ModelSpecSchema.safeParse(model);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.');
    const key = r.mapped.find((m) => m.field === field || m.field.split(', ').includes(field))?.key ?? 'model_type';
    throw new ClusterTwinError('invalid_value', key, `gives the model's ${field || 'shape'} a value it cannot hold: ${issue.message}`);
  }
  return { model, family, mapped: r.mapped, ignored: r.ignored, approximated: r.approximated };
}

/** What a family's model_type fixes (the fields no key of its config states). */
function familyFields(f: HfFamily): string {
  switch (f) {
    case 'gpt2':
      return 'norm layernorm, bias, positional learned';
    case 'gpt_neox':
      return 'norm layernorm, positional rope';
    case 'opt':
      return 'norm layernorm, positional learned';
    case 'bloom':
      return 'norm layernorm, bias, positional alibi, ffnHidden 4 x hidden, ffnAct gelu';
    case 'mpt':
      return 'tiedEmbeddings, positional alibi';
    default:
      return 'norm rmsnorm, positional rope, a gated MLP';
  }
}
