/**
 * DeepSpeed's ds_config.json as of release v0.19.5 (tag commit cf44300453eb0af79ed84ed8f1cb49d57478bd76,
 * 2026-08-09), transcribed from docs/_pages/config-json.md and, for defaults and bounds, from the
 * pydantic models in deepspeed/runtime/zero/config.py (where the two disagree the code wins: the docs
 * give stage3_prefetch_bucket_size 5e8, the code 5e7). Meanings are paraphrased.
 */
import { frameworkOption, type FrameworkOption } from '../framework-target.js';

export const DEEPSPEED_VERSION = 'DeepSpeed v0.19.5 (commit cf44300453eb0af79ed84ed8f1cb49d57478bd76)';
export const DEEPSPEED_SOURCE = 'https://github.com/deepspeedai/DeepSpeed/blob/v0.19.5/docs/_pages/config-json.md';

/**
 * DeepSpeed has no training entry point of its own: the user's script calls deepspeed.initialize and
 * takes the two flags deepspeed.add_config_arguments adds (deepspeed/__init__.py). `train.py` stands
 * for that script.
 */
export const DEEPSPEED_SCRIPT = 'train.py';
export const DEEPSPEED_CONFIG_FLAGS = ['--deepspeed', '--deepspeed_config'] as const;

const opt = frameworkOption;

/** The keys the twin reads or writes, dotted through nested objects. */
export const DEEPSPEED_OPTIONS: readonly FrameworkOption[] = [
  opt('train_batch_size', 'int', 'Samples per optimizer step: micro-batch x accumulation steps x data-parallel ranks', { min: 1 }),
  opt('train_micro_batch_size_per_gpu', 'int', 'Samples one GPU processes in one forward and backward pass', { min: 1 }),
  opt('gradient_accumulation_steps', 'int', 'Micro-batches whose gradients are summed before each optimizer step', { min: 1 }),
  opt('communication_data_type', 'choice', 'Data type of the gradient averaging collectives (default: set by the precision mode)', { choices: ['fp32', 'fp16', 'bf16'] }),
  opt('optimizer.type', 'string', 'Optimizer name (Adam, AdamW, Lamb, ... or a torch.optim class)'),
  opt('optimizer.params.torch_adam', 'flag', 'Adam/AdamW: use torch\'s implementation instead of DeepSpeed\'s fused Adam'),
  opt('bf16.enabled', 'flag', 'bfloat16 training: bf16 weights for compute, fp32 master weights in the optimizer'),
  opt('fp16.enabled', 'flag', 'fp16 training with dynamic loss scaling and fp32 master weights'),
  opt('torch_autocast.enabled', 'flag', 'Run the model under torch.autocast (weights stay fp32)'),
  opt('torch_autocast.dtype', 'choice', 'Autocast compute dtype', { choices: ['bfloat16', 'float16'] }),
  opt('zero_optimization.stage', 'int', 'ZeRO stage: 0 off, 1 optimizer states, 2 and gradients, 3 and parameters', { min: 0, max: 3 }),
  opt('zero_optimization.overlap_comm', 'flag', 'Overlap the gradient reduction with the backward pass (default: on at stage 3 only)'),
  opt('zero_optimization.contiguous_gradients', 'flag', 'Copy gradients into one contiguous buffer as they are produced'),
  opt('zero_optimization.reduce_scatter', 'flag', 'Average gradients with reduce-scatter rather than all-reduce'),
  opt('zero_optimization.reduce_bucket_size', 'int', 'Elements reduced per collective call (default 5e8)', { min: 0 }),
  opt('zero_optimization.allgather_bucket_size', 'int', 'Elements all-gathered per call at stages 1-2 (default 5e8)', { min: 0 }),
  opt('zero_optimization.stage3_prefetch_bucket_size', 'int', 'Stage 3: parameters fetched ahead per prefetch (code default 5e7)', { min: 0 }),
  opt('zero_optimization.stage3_param_persistence_threshold', 'int', 'Stage 3: parameters smaller than this stay whole on every rank (default 1e5)', { min: 0 }),
  opt('zero_optimization.stage3_max_live_parameters', 'int', 'Stage 3: gathered parameters kept resident before release (default 1e9)', { min: 0 }),
  opt('tensor_parallel.autotp_size', 'int', 'AutoTP training tensor-parallel degree; 0 disables', { min: 0 }),
  opt('tensor_parallel.tp_overlap_comm', 'flag', 'AutoTP: overlap the TP all-reduce with compute'),
  opt('expert_parallel.enabled', 'flag', 'AutoEP: replace detected MoE layers with expert-parallel ones'),
  opt('expert_parallel.autoep_size', 'int', 'AutoEP expert-parallel degree; must divide world size / PP size', { min: 1 }),
  opt('expert_parallel.expert_tensor_parallel_size', 'int', 'Reserved: AutoEP accepts only 1', { min: 1, max: 1 }),
];

/** Top-level ds_config sections and keys documented at v0.19.5; anything else is unknown. */
export const DEEPSPEED_TOP_KEYS: ReadonlySet<string> = new Set([
  'train_batch_size', 'train_micro_batch_size_per_gpu', 'gradient_accumulation_steps', 'managed_gradient_accumulation',
  'optimizer', 'scheduler', 'communication_data_type', 'prescale_gradients', 'gradient_predivide_factor', 'sparse_gradients',
  'fp16', 'bf16', 'amp', 'torch_autocast', 'gradient_clipping', 'zero_optimization', 'aio', 'tensor_parallel', 'expert_parallel',
  'steps_per_print', 'wall_clock_breakdown', 'dump_state', 'autotuning', 'flops_profiler', 'activation_checkpointing',
  'sparse_attention', 'data_efficiency', 'curriculum_learning', 'tensorboard', 'wandb', 'csv_monitor', 'comet', 'elasticity',
  'comms_logger', 'compression_training', 'checkpoint', 'data_types', 'sequence_parallel_size', 'zero_allow_untested_optimizer',
  'zero_force_ds_cpu_optimizer', 'memory_breakdown', 'seed', 'compile', 'nebula', 'weight_quantization', 'pipeline',
]);

/** Keys of zero_optimization documented at v0.19.5 (and the deprecated ones the code still reads). */
export const DEEPSPEED_ZERO_KEYS: ReadonlySet<string> = new Set([
  'stage', 'allgather_partitions', 'allgather_bucket_size', 'overlap_comm', 'reduce_scatter', 'reduce_bucket_size', 'contiguous_gradients',
  'load_from_fp32_weights', 'grad_hooks', 'round_robin_gradients', 'offload_param', 'offload_optimizer', 'stage3_max_live_parameters',
  'stage3_max_reuse_distance', 'stage3_prefetch_bucket_size', 'stage3_param_persistence_threshold', 'stage3_gather_16bit_weights_on_model_save',
  'stage3_module_granularity_threshold', 'zero_hpz_partition_size', 'zero_quantized_weights', 'zero_quantized_gradients', 'log_trace_cache_warnings',
  'cpu_offload', 'sub_group_size', 'elastic_checkpoint', 'ignore_unused_parameters', 'stage3_gather_fp16_weights_on_model_save', 'mics_shard_size',
  'mics_hierarchical_params_gather', 'memory_efficient_linear', 'pipeline_loading_checkpoint', 'override_module_apply', 'zeropp_loco_param',
  'cpu_offload_param', 'cpu_offload_use_pin_memory', 'stage3_use_all_reduce_for_fetch_params', 'stage3_allgather_sequential', 'leaf_module',
  'save_muon_momentum_buffer_in_memory', 'model_persistence_threshold',
]);

export const deepspeedOption = (name: string): FrameworkOption | undefined => DEEPSPEED_OPTIONS.find((o) => o.name === name);
