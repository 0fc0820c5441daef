/**
 * A resolved scenario -> a NeMo GPT pre-training config (megatron_gpt_config.yaml keys, options.ts):
 * the overrides of the run the twin timed, to merge over NeMo's own megatron_gpt_config.yaml
 * (`python megatron_gpt_pretraining.py --config-name nemo-config.yaml`). What NeMo has no key for
 * is named in `unsupported`.
 */
import { stringify } from 'yaml';
import type { ExportedConfig, UnsupportedSetting } from '../framework-target.js';
import type { Scenario } from '../../config/resolve.js';
import { expertFfnHidden } from '../../model/transformer.js';
import { twinModellingSettings } from '../megatron/export.js';
import { paddedVocab } from '../megatron/import.js';
import { NEMO_SOURCE, NEMO_VERSION } from './options.js';

/** GPT-2's BPE vocabulary, as NeMo's megatron GPT2BPETokenizer reads it. */
const GPT2_BPE_VOCAB = 50257;

export function nemoConfig(s: Scenario, gpusPerNode: number): { config: Record<string, unknown>; unsupported: UnsupportedSetting[] } {
  const { model: m, exec: e } = s;
  const un: UnsupportedSetting[] = [];
  const no = (setting: string, value: unknown, why: string): void => void un.push({ setting, value: String(value), why });
  const nodes = e.gpus <= gpusPerNode ? 1 : e.gpus / gpusPerNode;
  const trainer = { devices: e.gpus <= gpusPerNode ? e.gpus : gpusPerNode, num_nodes: nodes, precision: e.precision === 'fp16' ? '16' : 'bf16', max_steps: Math.ceil(e.tokens / (e.gbs * e.seq)) };
  const model: Record<string, unknown> = {
    micro_batch_size: e.mbs, global_batch_size: e.gbs,
    tensor_model_parallel_size: e.tp, pipeline_model_parallel_size: e.pp,
    virtual_pipeline_model_parallel_size: e.vp > 1 ? e.vp : null,
    context_parallel_size: e.cp,
    ...(m.moe ? { expert_model_parallel_size: e.ep, num_moe_experts: m.moe.experts, moe_router_topk: m.moe.topK } : {}),
    encoder_seq_length: e.seq, max_position_embeddings: Math.max(m.maxSeq ?? e.seq, e.seq),
    num_layers: m.layers, hidden_size: m.hidden, ffn_hidden_size: m.ffnHidden, num_attention_heads: m.heads,
    num_query_groups: m.kvHeads !== m.heads ? m.kvHeads : null,
    kv_channels: m.headDim ?? null,
    hidden_dropout: m.dropout ? 0.1 : 0, attention_dropout: m.dropout ? 0.1 : 0,
    normalization: m.norm === 'rmsnorm' ? 'rmsnorm' : 'layernorm',
    bias: m.bias,
    activation: m.ffnAct === 'swiglu' ? 'swiglu' : m.ffnAct === 'relu2' ? 'squared-relu' : 'gelu',
    position_embedding_type: m.positional === 'rope' ? 'rope' : 'learned_absolute',
    share_embeddings_and_output_weights: m.tiedEmbeddings,
    overlap_p2p_comm: e.overlap.pp && e.vp > 1,
    sequence_parallel: e.sp && e.tp > 1,
    transformer_engine: e.attention !== 'unfused',
    fp8: e.precision === 'fp8',
    ...(e.precision === 'fp8' ? { fp8_hybrid: true } : {}),
    // megatron_base_model.py reads cfg.tp_only_amax_red (NeMo v2.3.1): the amax reduction over TP x CP only.
    ...(e.precision === 'fp8' && e.fp8AmaxReduction === 'tp-cp' ? { tp_only_amax_red: true } : {}),
    ub_tp_comm_overlap: e.overlap.tp && e.sp && e.tp > 1,
    // Transformer Engine's initialize_ub takes per-layer overrides and defaults the rest (the pipeline for these two).
    ...(e.overlap.tp && e.sp && e.tp > 1 && e.tpOverlapReduceScatter === 'ring-exchange'
      ? { ub_tp_comm_overlap_cfg: Object.fromEntries(['proj_fprop', 'fc2_fprop'].map((k) => [k, { method: 'ring_exchange', num_sm: 1, set_sm_margin: 1 }])) }
      : {}),
    activations_checkpoint_granularity: e.recompute === 'selective' || e.recompute === 'full' ? e.recompute : null,
    activations_checkpoint_method: e.recompute === 'full' ? 'uniform' : null,
    activations_checkpoint_num_layers: e.recompute === 'full' ? 1 : null,
    fsdp: e.zero >= 2,
    ...(e.zero >= 2 ? { fsdp_sharding_strategy: e.zero === 2 ? 'grad' : 'full' } : {}),
    optim: {
      name: e.zero === 1 ? 'distributed_fused_adam' : 'fused_adam',
      ...(e.zero === 1 ? { overlap_grad_sync: e.overlap.dp, overlap_param_sync: e.overlap.dp, grad_sync_dtype: e.gradReduceDtype } : {}),
    },
  };
  if (m.moe && expertFfnHidden(m) !== m.ffnHidden) no('moe.expertFfnHidden', expertFfnHidden(m), 'the v2.3.0 YAML has no expert FFN size key');
  if (m.moe && (m.moe.sharedExperts > 0 || m.moe.denseLayers > 0 || m.moe.capacityFactor !== 1)) no('moe', 'shared/dense/capacity', 'not in the v2.3.0 YAML keys transcribed');
  if (e.etp !== null) no('etp', e.etp, 'no expert tensor-parallel key transcribed');
  if (m.ffnAct === 'relu') no('ffnAct', 'relu', 'NeMo has no plain ReLU activation');
  if (m.norm === 'low-precision-layernorm') no('norm', m.norm, 'NeMo has layernorm and rmsnorm');
  if (m.positional === 'alibi') model.position_embedding_type = 'alibi';
  if (m.dropout) no('dropout', 'on', 'the twin does not give a rate; 0.1 (NeMo\'s default) is written');
  if (m.vocab !== paddedVocab(GPT2_BPE_VOCAB, 128, e.tp)) no('vocab', m.vocab, 'NeMo reads the vocabulary from the tokenizer: set model.tokenizer to one of this size');
  else model.tokenizer = { library: 'megatron', type: 'GPT2BPETokenizer' };
  if (e.overlap.dp && e.zero !== 1) no('overlap.dp', 'on', 'the DP overlap keys are distributed Adam\'s (model.optim.overlap_grad_sync)');
  if (e.zero !== 1 && e.gradReduceDtype !== (e.precision === 'fp16' ? 'fp16' : 'fp32')) no('gradReduceDtype', e.gradReduceDtype, 'model.optim.grad_sync_dtype belongs to distributed Adam');
  if (e.overlap.tp && !(e.sp && e.tp > 1)) no('overlap.tp', 'on', 'userbuffers overlap needs sequence parallelism and TP > 1');
  if (e.pp > 1 && e.vp === 1 && e.overlap.pp) no('overlap.pp', 'on', 'p2p overlap is only in the interleaved schedule');
  if (e.fp8Recipe !== 'delayed' && e.precision === 'fp8') no('fp8Recipe', e.fp8Recipe, 'the v2.3.0 YAML has delayed scaling keys only');
  if (e.fp8AmaxReduction === 'tp-cp-async' && e.precision === 'fp8') no('fp8AmaxReduction', e.fp8AmaxReduction, "Transformer Engine 1.6+ has no asynchronous amax reduction (TE <= 1.5's NVTE_ASYNC_AMAX_REDUCTION); tp_only_amax_red is the nearest");
  if (e.recompute === 'selective-op') no('recompute', 'selective-op', "torchtitan's per-op policy");
  if (e.attention === 'flash-triton') no('attention', 'flash-triton', 'no Triton attention');
  if (e.hostOverhead !== 'launch-queue') no('hostOverhead', e.hostOverhead, 'no CUDA-graph key transcribed');
  if (e.layersPerStage.some((l) => l !== e.layersPerStage[0])) no('layersPerStage', e.layersPerStage.join(','), 'no uneven pipeline split key transcribed');
  if (e.kernels === 'eager' || e.lossKernel === 'eager' || e.optimizerKernel === 'foreach' || e.weightDtype === 'fp32') no('kernels', `${e.kernels}/${e.lossKernel}/${e.optimizerKernel}/${e.weightDtype}`, 'NeMo runs fused kernels and 16-bit working weights');
  return { config: { trainer, model }, unsupported: [...un, ...twinModellingSettings(s)] };
}

export function exportNemo(s: Scenario): ExportedConfig {
  const { config, unsupported } = nemoConfig(s, s.system.node.gpusPerNode);
  return {
    format: 'nemo',
    version: NEMO_VERSION,
    source: NEMO_SOURCE,
    command: ['python', 'examples/nlp/language_modeling/megatron_gpt_pretraining.py', '--config-path', '.', '--config-name', 'nemo-config.yaml'],
    files: [{ path: 'nemo-config.yaml', text: stringify(config) }],
    unsupported,
  };
}
