/**
 * torchtitan's job configuration as of release v0.2.2, the last release whose jobs are TOML files
 * (commit 9810191, 2026-02-23, replaced them with Python config registries). Transcribed from
 * torchtitan/config/job_config.py (the JobConfig dataclasses), torchtitan/distributed/parallel_dims.py
 * and pipeline_parallel.py (how the degrees and stages are checked and derived), and the model
 * flavors in torchtitan/models/{llama3,qwen3}/__init__.py. Meanings are paraphrased.
 */
import { frameworkOption, type FrameworkOption } from '../framework-target.js';

export const TORCHTITAN_VERSION = 'torchtitan v0.2.2 (commit 73a0e6979dd10b6b1904098eb3c8f62c18ab87ce)';
export const TORCHTITAN_SOURCE = 'https://github.com/pytorch/torchtitan/blob/v0.2.2/torchtitan/config/job_config.py';

/** The module torchrun starts (run_train.sh at v0.2.2: TRAIN_FILE defaults to torchtitan.train, read with -m). */
export const TORCHTITAN_ENTRY = ['-m', 'torchtitan.train'] as const;
/** The flag that names the TOML file (ConfigManager._maybe_load_toml accepts --job.config_file or --job.config-file). */
export const TORCHTITAN_CONFIG_FLAG = '--job.config_file';

/**
 * Pipeline schedules torch.distributed.pipelining's get_schedule_class accepts by name (the list the
 * JobConfig docstring points to). Single-stage schedules hold one stage a rank; the others, two or more.
 */
export const PIPELINE_SCHEDULES_SINGLE = ['1F1B', 'GPipe'] as const;
export const PIPELINE_SCHEDULES_MULTI = ['Interleaved1F1B', 'LoopedBFS', 'InterleavedZeroBubble', 'ZBVZeroBubble', 'DualPipeV'] as const;

/** Model converters registered at v0.2.2 (register_model_converter in components/quantization/{float8,mx}.py). */
export const MODEL_CONVERTERS = ['quantize.linear.float8', 'quantize.grouped_mm.float8', 'quantize.linear.mx', 'quantize.grouped_mm.mx'] as const;

const opt = frameworkOption;

/** The options the twin reads or writes, as `section.key` (a TOML table and its key). */
export const TORCHTITAN_OPTIONS: readonly FrameworkOption[] = [
  opt('job.description', 'string', 'Free-text description of the job'),
  opt('model.name', 'string', 'Which model family to train (a registered train spec: llama3, qwen3, ...)'),
  opt('model.flavor', 'string', 'Which size of that family (a key of the family\'s model-args table)'),
  opt('model.converters', 'string', 'Model converters applied in order (list); quantize.linear.float8 swaps nn.Linear for torchao Float8Linear', { choices: MODEL_CONVERTERS }),
  opt('optimizer.implementation', 'choice', 'Optimizer kernels: fused (CUDA), foreach (horizontally fused), for-loop (one tensor at a time)', { choices: ['for-loop', 'foreach', 'fused'] }),
  opt('training.local_batch_size', 'int', 'Sequences per data-parallel rank per micro-step (per-device batch)', { min: 1 }),
  opt('training.global_batch_size', 'int', 'Sequences per optimizer step; -1 means local_batch_size x data-parallel degree (no accumulation)', { min: -1 }),
  opt('training.seq_len', 'int', 'Sequence length, tokens', { min: 1 }),
  opt('training.steps', 'int', 'Optimizer steps to train', { min: 1 }),
  opt('training.dtype', 'choice', 'Storage dtype of parameters, gradients and optimizer states (bfloat16: no fp32 master copy)', { choices: ['bfloat16', 'float32'] }),
  opt('training.mixed_precision_param', 'choice', 'Compute dtype of parameters: through fully_shard under FSDP/CP, through torch.autocast under DDP or one device', { choices: ['bfloat16', 'float32'] }),
  opt('training.mixed_precision_reduce', 'choice', 'Dtype of FSDP gradient reductions', { choices: ['float32'] }),
  opt('training.enable_cpu_offload', 'flag', 'FSDP offloads parameters, gradients and optimizer states to the CPU'),
  opt('parallelism.data_parallel_replicate_degree', 'int', 'Ranks holding replicated weights (DDP alone, HSDP with a shard degree > 1); 1 disables', { min: 1 }),
  opt('parallelism.data_parallel_shard_degree', 'int', 'Ranks sharding the weights (FSDP2); -1 takes the ranks left after replicate, CP, TP and PP; 1 disables', { min: -1 }),
  opt('parallelism.fsdp_reshard_after_forward', 'choice', 'Whether FSDP frees gathered weights after the forward pass', { choices: ['default', 'always', 'never'] }),
  opt('parallelism.tensor_parallel_degree', 'int', 'Tensor-parallel degree (with sequence parallelism on the norms); 1 disables', { min: 1 }),
  opt('parallelism.enable_async_tensor_parallel', 'flag', 'Overlap TP collectives with the matmuls (takes effect only with torch.compile)'),
  opt('parallelism.pipeline_parallel_degree', 'int', 'Pipeline-parallel ranks; 1 disables', { min: 1 }),
  opt('parallelism.pipeline_parallel_schedule', 'choice', 'Pipeline schedule by torch.distributed.pipelining name', { choices: [...PIPELINE_SCHEDULES_SINGLE, ...PIPELINE_SCHEDULES_MULTI] }),
  opt('parallelism.pipeline_parallel_microbatch_size', 'int', 'Sequences per pipeline micro-batch; local_batch_size / this is the micro-batch count', { min: 1 }),
  opt('parallelism.module_fqns_per_model_part', 'string', 'Module names of each model part (list of lists), stage s on rank s mod PP for looped schedules'),
  opt('parallelism.pipeline_parallel_layers_per_stage', 'int', 'Layers per (virtual) stage; sets the stage count as ceil((layers + first_less + last_less) / this)', { min: 1 }),
  opt('parallelism.pipeline_parallel_first_stage_less_layers', 'int', 'Layers the embedding counts as, taken off the first stage', { min: 0 }),
  opt('parallelism.pipeline_parallel_last_stage_less_layers', 'int', 'Layers the final norm and output count as, taken off the last stage', { min: 0 }),
  opt('parallelism.context_parallel_degree', 'int', 'Context-parallel degree (ring attention over sequence shards); 1 disables', { min: 1 }),
  opt('parallelism.expert_parallel_degree', 'int', 'Expert-parallel degree for MoE layers; 1 disables', { min: 1 }),
  opt('parallelism.expert_tensor_parallel_degree', 'int', 'TP degree on routed experts when EP > 1: either 1 or the TP degree (ParallelDims._validate)', { min: 1 }),
  opt('activation_checkpoint.mode', 'choice', 'Activation checkpointing: none, selective (per layer or per op), full, memory_budget (compiler-chosen)', { choices: ['selective', 'full', 'memory_budget', 'none'] }),
  opt('activation_checkpoint.selective_ac_option', 'string', '"op" for the per-op policy, or an integer N to checkpoint every Nth layer'),
  opt('compile.enable', 'flag', 'Apply torch.compile'),
  opt('compile.components', 'string', 'What to compile (list of model, loss)', { choices: ['model', 'loss'] }),
  opt('quantize.linear.float8.recipe_name', 'choice', 'torchao float8 recipe; unset is dynamic tensorwise scaling', { choices: ['tensorwise', 'rowwise', 'rowwise_with_gw_hp'] }),
  opt('quantize.linear.float8.enable_fsdp_float8_all_gather', 'flag', 'FSDP gathers float8 weights (tensorwise only)'),
  opt('quantize.linear.float8.precompute_float8_dynamic_scale_for_fsdp', 'flag', 'One all-reduce of every weight\'s amax after the optimizer step (tensorwise only)'),
  opt('quantize.linear.float8.filter_fqns', 'string', 'Linear modules left in high precision (list)'),
  opt('quantize.linear.mx.recipe_name', 'string', 'torchao MX recipe (mxfp8_cublas by default)'),
];

/** Every leaf key of JobConfig at v0.2.2 (dataclass fields, nested tables joined by dots): anything else is unknown. */
export const TORCHTITAN_KEYS: ReadonlySet<string> = new Set(
  `job.config_file job.dump_folder job.description job.print_config job.save_config_file job.custom_config_module profiling.enable_profiling profiling.save_traces_folder profiling.profile_freq profiling.profiler_active profiling.profiler_warmup profiling.enable_memory_snapshot profiling.save_memory_snapshot_folder metrics.log_freq metrics.enable_tensorboard metrics.disable_color_printing metrics.save_tb_folder metrics.save_for_all_ranks metrics.enable_wandb model.name model.flavor model.hf_assets_path model.tokenizer_path model.converters model.print_after_conversion optimizer.name optimizer.lr optimizer.beta1 optimizer.beta2 optimizer.eps optimizer.weight_decay optimizer.implementation optimizer.early_step_in_backward lr_scheduler.warmup_steps lr_scheduler.total_steps lr_scheduler.decay_ratio lr_scheduler.decay_type lr_scheduler.min_lr_factor training.dataset training.dataset_path training.local_batch_size training.global_batch_size training.seq_len training.max_norm training.steps training.enable_cpu_offload training.dtype training.mixed_precision_param training.mixed_precision_reduce training.gc_freq training.gc_debug training.dataloader.num_workers training.dataloader.persistent_workers training.dataloader.pin_memory training.dataloader.prefetch_factor parallelism.data_parallel_replicate_degree parallelism.data_parallel_shard_degree parallelism.fsdp_reshard_after_forward parallelism.tensor_parallel_degree parallelism.disable_loss_parallel parallelism.enable_async_tensor_parallel parallelism.pipeline_parallel_degree parallelism.module_fqns_per_model_part parallelism.pipeline_parallel_first_stage_less_layers parallelism.pipeline_parallel_last_stage_less_layers parallelism.pipeline_parallel_layers_per_stage parallelism.pipeline_parallel_schedule parallelism.pipeline_parallel_schedule_csv parallelism.pipeline_parallel_microbatch_size parallelism.pipeline_parallel_expert_parallel_overlap parallelism.context_parallel_degree parallelism.context_parallel_load_balancer parallelism.context_parallel_rotate_method parallelism.expert_parallel_degree parallelism.expert_tensor_parallel_degree parallelism.expert_parallel_comm_backend checkpoint.enable checkpoint.enable_ft_dataloader_checkpoints checkpoint.folder checkpoint.interval checkpoint.initial_load_path checkpoint.initial_load_model_only checkpoint.initial_load_in_hf checkpoint.initial_load_in_hf_quantized checkpoint.last_save_model_only checkpoint.last_save_in_hf checkpoint.export_dtype checkpoint.async_mode checkpoint.keep_latest_k checkpoint.load_step checkpoint.exclude_from_loading checkpoint.enable_first_step_checkpoint checkpoint.create_seed_checkpoint checkpoint.load_only activation_checkpoint.mode activation_checkpoint.selective_ac_option activation_checkpoint.per_op_sac_force_recompute_mm_shapes_by_fqns activation_checkpoint.early_stop activation_checkpoint.memory_budget activation_checkpoint.visualize_memory_budget_pareto activation_checkpoint.preserve_rng_state activation_checkpoint.determinism_check activation_checkpoint.debug compile.enable compile.components compile.backend quantize.linear.float8.enable_fsdp_float8_all_gather quantize.linear.float8.precompute_float8_dynamic_scale_for_fsdp quantize.linear.float8.recipe_name quantize.linear.float8.filter_fqns quantize.linear.float8.emulate quantize.linear.mx.mxfp8_dim1_cast_kernel_choice quantize.linear.mx.recipe_name quantize.linear.mx.filter_fqns quantize.grouped_mm.float8.fqns quantize.grouped_mm.mx.recipe_name quantize.grouped_mm.mx.fqns comm.init_timeout_seconds comm.train_timeout_seconds comm.trace_buf_size comm.save_traces_folder comm.save_traces_file_prefix comm.mode memory_estimation.enable memory_estimation.disable_fake_mode fault_tolerance.enable fault_tolerance.process_group fault_tolerance.process_group_timeout_ms fault_tolerance.replica_id fault_tolerance.group_size fault_tolerance.min_replica_size fault_tolerance.semi_sync_method experimental.custom_import experimental.custom_args_module validation.enable validation.dataset validation.dataset_path validation.local_batch_size validation.seq_len validation.freq validation.steps validation.dataloader.num_workers validation.dataloader.persistent_workers validation.dataloader.pin_memory validation.dataloader.prefetch_factor debug.seed debug.deterministic debug.deterministic_warn_only debug.moe_force_load_balance`.split(' '),
);

/** The option with that name, or undefined. */
export const torchtitanOption = (name: string): FrameworkOption | undefined => TORCHTITAN_OPTIONS.find((o) => o.name === name);

/** The shape a torchtitan flavor builds, in the twin's terms (so a test can check it against the preset). */
export interface TorchtitanFlavor {
  /** `model.name` and `model.flavor` as the TOML spells them. */
  name: string;
  flavor: string;
  /** The twin's model preset with the same shape. */
  preset: string;
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  /** MLP hidden size (per expert for MoE). */
  ffnHidden: number;
  vocab: number;
  experts?: number;
  topK?: number;
}

/**
 * llama3's FeedForward hidden size (torchtitan/models/llama3/model/model.py): 4 x dim, two thirds of it,
 * times ffn_dim_multiplier, rounded up to a multiple of multiple_of.
 */
export function llama3FfnHidden(dim: number, ffnDimMultiplier: number, multipleOf: number): number {
  const h = Math.trunc(ffnDimMultiplier * Math.trunc((2 * 4 * dim) / 3));
  return multipleOf * Math.ceil(h / multipleOf);
}

/** llama3's vocabulary: the Llama 3 tokenizer's 128,256 (TransformerModelArgs.vocab_size is replaced by the tokenizer's at build time). */
const LLAMA3_VOCAB = 128256;

/**
 * Flavors with a twin preset of the same shape. llama3's flavors are the Llama 3.1 shapes (the train
 * configs' hf_assets_path names Llama-3.1-*), whose presets differ from llama3-* only in maxSeq and
 * the published token count, neither of which a TOML import uses (it gives seq_len).
 */
export const TORCHTITAN_FLAVORS: readonly TorchtitanFlavor[] = [
  { name: 'llama3', flavor: '8B', preset: 'llama3.1-8b', layers: 32, hidden: 4096, heads: 32, kvHeads: 8, ffnHidden: llama3FfnHidden(4096, 1.3, 1024), vocab: LLAMA3_VOCAB },
  { name: 'llama3', flavor: '70B', preset: 'llama3.1-70b', layers: 80, hidden: 8192, heads: 64, kvHeads: 8, ffnHidden: llama3FfnHidden(8192, 1.3, 4096), vocab: LLAMA3_VOCAB },
  { name: 'llama3', flavor: '405B', preset: 'llama3.1-405b', layers: 126, hidden: 16384, heads: 128, kvHeads: 8, ffnHidden: llama3FfnHidden(16384, 1.2, 4096), vocab: LLAMA3_VOCAB },
  // qwen3 flavors give hidden_dim (dense) or moe_inter_dim (per expert) directly.
  { name: 'qwen3', flavor: '32B', preset: 'qwen3-32b', layers: 64, hidden: 5120, heads: 64, kvHeads: 8, ffnHidden: 25600, vocab: 151936 },
  { name: 'qwen3', flavor: '30B-A3B', preset: 'qwen3-30b-a3b', layers: 48, hidden: 2048, heads: 32, kvHeads: 4, ffnHidden: 768, vocab: 151936, experts: 128, topK: 8 },
  { name: 'qwen3', flavor: '235B-A22B', preset: 'qwen3-235b-a22b', layers: 94, hidden: 4096, heads: 64, kvHeads: 4, ffnHidden: 1536, vocab: 151936, experts: 128, topK: 8 },
];
