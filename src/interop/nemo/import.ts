/**
 * A NeMo GPT pre-training config (the YAML megatron_gpt_pretraining.py reads, options.ts) -> the flat
 * scenario. Each key is turned into the Megatron-LM option it sets in Megatron-Core, then read by
 * the Megatron-LM importer, so the two agree on every rule; `mapped` names the NeMo keys.
 */
import { invalid } from '../../errors.js';
import type { ImportedScenario } from '../framework-target.js';
import type { PresetCatalog } from '../../config/catalog.js';
import { mapMegatronArgs, type MegatronArgs, type MegatronImportOptions, type ParsedMegatronArgv } from '../megatron/import.js';
import { NEMO_IGNORED_PREFIXES, NEMO_OPTIONS } from './options.js';

/** Nested mappings to dotted keys (lists and scalars are leaves). */
export function flattenKeys(v: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flattenKeys(x, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = v;
  return out;
}

const text = (v: unknown): string => String(v);
const isTrue = (v: unknown): boolean => v === true || v === 'true' || v === 'True';

export function importNemo(config: unknown, catalog: PresetCatalog, opts: MegatronImportOptions = {}): ImportedScenario {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw invalid('NeMo config', 'the config must be a mapping (trainer:, model:)');
  const keys = flattenKeys(config);
  const args: MegatronArgs = new Map();
  const label = new Map<string, string>();
  const ignored: ImportedScenario['ignored'] = [];
  const unknown: string[] = [];
  const put = (key: string, option: string, value: string | true): void => {
    args.set(option, value);
    label.set(option, key);
  };
  const known = new Set(NEMO_OPTIONS.map((o) => o.name));
  for (const [key, value] of Object.entries(keys)) {
    if (!known.has(key)) {
      const skip = NEMO_IGNORED_PREFIXES.find(([p]) => key === p || (p.endsWith('.') || p.endsWith('_') ? key.startsWith(p) : false));
      if (skip) ignored.push({ option: key, why: skip[1] });
      else unknown.push(`${key}: ${JSON.stringify(value)}`);
      continue;
    }
    if (value === null || value === undefined) continue;
    const choice = NEMO_OPTIONS.find((o) => o.name === key);
    if (choice?.type === 'choice' && choice.choices && !choice.choices.includes(text(value))) throw invalid(`NeMo ${key}`, `must be one of ${choice.choices.join(', ')}, got ${JSON.stringify(value)}`);
    const direct: Record<string, string> = {
      'trainer.max_steps': '--train-iters', 'model.micro_batch_size': '--micro-batch-size', 'model.global_batch_size': '--global-batch-size',
      'model.tensor_model_parallel_size': '--tensor-model-parallel-size', 'model.pipeline_model_parallel_size': '--pipeline-model-parallel-size',
      'model.virtual_pipeline_model_parallel_size': '--num-virtual-stages-per-pipeline-rank', 'model.context_parallel_size': '--context-parallel-size',
      'model.expert_model_parallel_size': '--expert-model-parallel-size', 'model.encoder_seq_length': '--seq-length',
      'model.max_position_embeddings': '--max-position-embeddings', 'model.num_layers': '--num-layers', 'model.hidden_size': '--hidden-size',
      'model.ffn_hidden_size': '--ffn-hidden-size', 'model.num_attention_heads': '--num-attention-heads', 'model.kv_channels': '--kv-channels',
      'model.hidden_dropout': '--hidden-dropout', 'model.attention_dropout': '--attention-dropout',
      'model.make_vocab_size_divisible_by': '--make-vocab-size-divisible-by', 'model.activations_checkpoint_granularity': '--recompute-granularity',
      'model.activations_checkpoint_method': '--recompute-method', 'model.activations_checkpoint_num_layers': '--recompute-num-layers',
      'model.num_moe_experts': '--num-experts', 'model.moe_router_topk': '--moe-router-topk',
    };
    if (direct[key]) {
      put(key, direct[key], text(value));
      continue;
    }
    switch (key) {
      case 'trainer.precision': {
        const p = text(value);
        if (p.startsWith('bf16')) put(key, '--bf16', true);
        else if (p.startsWith('16')) put(key, '--fp16', true);
        break;
      }
      case 'model.num_query_groups':
        put(key, '--group-query-attention', true);
        put(key, '--num-query-groups', text(value));
        break;
      case 'model.normalization':
        if (text(value).toLowerCase() === 'rmsnorm') put(key, '--normalization', 'RMSNorm');
        break;
      case 'model.bias':
        if (!isTrue(value)) put(key, '--disable-bias-linear', true);
        break;
      case 'model.activation': {
        const a = text(value);
        if (a === 'swiglu' || a === 'fast-swiglu') put(key, '--swiglu', true);
        else if (a === 'squared-relu') put(key, '--squared-relu', true);
        else if (a !== 'gelu') throw invalid(`NeMo ${key}`, `${a} has no twin counterpart; the twin models gelu, swiglu and squared-relu`);
        break;
      }
      case 'model.position_embedding_type':
        put(key, '--position-embedding-type', text(value));
        break;
      case 'model.share_embeddings_and_output_weights':
        if (!isTrue(value)) put(key, '--untie-embeddings-and-output-weights', true);
        break;
      case 'model.overlap_p2p_comm':
        if (!isTrue(value)) put(key, '--no-overlap-p2p-communication', true);
        break;
      case 'model.tokenizer.type':
        if (text(value) === 'GPT2BPETokenizer') put(key, '--tokenizer-type', 'GPT2BPETokenizer');
        else ignored.push({ option: key, why: 'a tokenizer file the twin does not read (give its size with --vocab)' });
        break;
      case 'model.sequence_parallel':
        if (isTrue(value)) put(key, '--sequence-parallel', true);
        break;
      case 'model.fp8':
        if (isTrue(value)) put(key, '--fp8-format', isTrue(keys['model.fp8_hybrid'] ?? true) ? 'hybrid' : 'e4m3');
        break;
      case 'model.ub_tp_comm_overlap':
        if (isTrue(value)) put(key, '--tp-comm-overlap', true);
        break;
      case 'model.optim.name':
        if (text(value) === 'distributed_fused_adam') put(key, '--use-distributed-optimizer', true);
        break;
      case 'model.optim.overlap_grad_sync':
        if (isTrue(value)) put(key, '--overlap-grad-reduce', true);
        break;
      case 'model.optim.overlap_param_sync':
        if (isTrue(value)) put(key, '--overlap-param-gather', true);
        break;
      case 'model.optim.grad_sync_dtype':
        if (text(value) === 'bf16') put(key, '--grad-reduce-in-bf16', true);
        if (text(value) === 'fp32') put(key, '--accumulate-allreduce-grads-in-fp32', true);
        break;
      case 'model.transformer_engine':
      case 'model.use_flash_attention':
      case 'model.ub_tp_comm_overlap_cfg.proj_fprop.method':
      case 'model.ub_tp_comm_overlap_cfg.fc2_fprop.method':
      case 'model.tp_only_amax_red':
        break; // read together below
      case 'model.fsdp':
        if (isTrue(value)) {
          put(key, '--use-megatron-fsdp', true);
          put(key, '--data-parallel-sharding-strategy', keys['model.fsdp_sharding_strategy'] === 'grad' ? 'optim_grads' : 'optim_grads_params');
        }
        break;
      default:
        break; // trainer.devices, trainer.num_nodes, model.fp8_hybrid, model.fsdp_sharding_strategy: read with their partners
    }
  }
  // NeMo's defaults where Megatron-LM's differ: no overlap_p2p_comm key is false (the YAML's default).
  if (!('model.overlap_p2p_comm' in keys)) args.set('--no-overlap-p2p-communication', true);
  // Transformer Engine or FlashAttention: fused attention; neither: Megatron-Core's local (unfused) attention.
  if (!isTrue(keys['model.transformer_engine']) && !isTrue(keys['model.use_flash_attention'])) {
    // Named as read only where the file has the key; NeMo's default (false) is not a key read.
    if ('model.transformer_engine' in keys) put('model.transformer_engine', '--attention-backend', 'unfused');
    else args.set('--attention-backend', 'unfused');
  }
  // With TE, attention is TE's own choice (flash or cuDNN fused).
  const devices = keys['trainer.devices'];
  const nodes = keys['trainer.num_nodes'] ?? 1;
  const gpus = opts.gpus ?? (typeof devices === 'number' && typeof nodes === 'number' ? devices * nodes : undefined);
  const parsed: ParsedMegatronArgv = { args, ignored, unknown };
  const out = mapMegatronArgs(parsed, catalog, { ...opts, gpus }, (option) => label.get(option) ?? option);
  for (const k of ['trainer.devices', 'trainer.num_nodes']) if (k in keys && opts.gpus === undefined) out.mapped.push({ option: k, field: 'gpus' });
  // Megatron-only options the NeMo mapping set for defaults are not NeMo keys: drop them from `mapped`.
  out.mapped = out.mapped.filter((m) => !m.option.startsWith('--'));
  // Settings Megatron-LM takes from no option (TWIN_ONLY_FIELDS), read straight into the scenario.
  if (out.scenario.precision === 'fp8' && isTrue(keys['model.tp_only_amax_red'])) {
    out.scenario.fp8AmaxReduction = 'tp-cp';
    out.mapped.push({ option: 'model.tp_only_amax_red', field: 'fp8AmaxReduction' });
  }
  if (isTrue(keys['model.ub_tp_comm_overlap'])) {
    // Without a method for them Transformer Engine pipelines both (initialize_ub's defaults); the twin has one method for the two.
    const proj = keys['model.ub_tp_comm_overlap_cfg.proj_fprop.method'];
    const fc2 = keys['model.ub_tp_comm_overlap_cfg.fc2_fprop.method'];
    out.scenario.tpOverlapReduceScatter = proj === 'ring_exchange' && fc2 === 'ring_exchange' ? 'ring-exchange' : 'pipeline';
    for (const [k, v] of [['model.ub_tp_comm_overlap_cfg.proj_fprop.method', proj], ['model.ub_tp_comm_overlap_cfg.fc2_fprop.method', fc2]] as const) {
      if (v !== undefined) out.mapped.push({ option: k, field: 'tpOverlapReduceScatter' });
    }
    if ((proj === 'ring_exchange') !== (fc2 === 'ring_exchange')) {
      out.ignored.push({ option: 'model.ub_tp_comm_overlap_cfg', why: 'the projection and FC2 reduce-scatters by different methods: the twin runs both as the pipeline' });
    }
  }
  return out;
}
