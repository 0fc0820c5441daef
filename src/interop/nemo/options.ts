/**
 * NeMo's GPT pre-training config keys (the Hydra YAML megatron_gpt_pretraining.py reads), transcribed
 * from examples/nlp/language_modeling/conf/megatron_gpt_config.yaml and the model code that reads
 * them (nemo/collections/nlp/models/language_modeling/megatron_base_model.py, megatron_gpt_model.py)
 * at the tag v2.3.0 (commit 2b03b748bb7d28e4e382df3d085078c6146d174e). The keys are stable across
 * NeMo 1.2x and 2.x, which keep this script beside the NeMo 2.0 Python recipes. Each key is paired
 * with the Megatron-LM option it sets in Megatron-Core, so one mapping serves both importers.
 */
import type { FrameworkOption } from '../framework-target.js';

export const NEMO_VERSION = 'NeMo v2.3.0';
export const NEMO_SOURCE = 'NVIDIA/NeMo examples/nlp/language_modeling/conf/megatron_gpt_config.yaml @2b03b748bb7d28e4e382df3d085078c6146d174e (tag v2.3.0)';

const o = (name: string, type: FrameworkOption['type'], meaning: string, extra: Partial<FrameworkOption> = {}): FrameworkOption => ({ name, type, meaning, ...extra });
const int = (name: string, meaning: string): FrameworkOption => o(name, 'int', meaning, { min: 1 });
const bool = (name: string, meaning: string): FrameworkOption => o(name, 'choice', meaning, { choices: ['true', 'false'] });

export const NEMO_OPTIONS: readonly FrameworkOption[] = [
  int('trainer.devices', 'GPUs a node.'),
  int('trainer.num_nodes', 'Nodes.'),
  o('trainer.precision', 'choice', 'Training precision (bf16 with megatron_amp_O2: bf16 weights, fp32 main weights).', { choices: ['bf16', 'bf16-mixed', '16', '16-mixed', '32'] }),
  int('trainer.max_steps', 'Training steps.'),
  int('model.micro_batch_size', 'Micro-batch, sequences.'),
  int('model.global_batch_size', 'Global batch, sequences.'),
  int('model.tensor_model_parallel_size', 'Tensor-parallel size.'),
  int('model.pipeline_model_parallel_size', 'Pipeline-parallel size.'),
  int('model.virtual_pipeline_model_parallel_size', 'Virtual pipeline stages a rank (null: none).'),
  int('model.context_parallel_size', 'Context-parallel size (read with default 1).'),
  int('model.expert_model_parallel_size', 'Expert-parallel size.'),
  int('model.encoder_seq_length', 'Sequence length, tokens.'),
  int('model.max_position_embeddings', 'Position embeddings.'),
  int('model.num_layers', 'Transformer layers.'),
  int('model.hidden_size', 'Hidden size.'),
  int('model.ffn_hidden_size', 'MLP hidden size.'),
  int('model.num_attention_heads', 'Attention heads.'),
  int('model.num_query_groups', 'Query groups for grouped-query attention (null: MHA).'),
  int('model.kv_channels', 'Head dimension (null: hidden / heads).'),
  o('model.hidden_dropout', 'number', 'Dropout after attention and MLP.', { min: 0, max: 1 }),
  o('model.attention_dropout', 'number', 'Dropout on attention probabilities.', { min: 0, max: 1 }),
  o('model.normalization', 'choice', 'Normalization.', { choices: ['layernorm', 'rmsnorm', 'LayerNorm', 'RMSNorm'] }),
  int('model.make_vocab_size_divisible_by', 'Pad the vocabulary to a multiple of this x TP.'),
  bool('model.bias', 'Biases in all weight matrices.'),
  o('model.activation', 'choice', 'MLP activation.', { choices: ['gelu', 'geglu', 'swiglu', 'reglu', 'squared-relu', 'fast-geglu', 'fast-swiglu', 'fast-reglu'] }),
  o('model.position_embedding_type', 'choice', 'Position embedding.', { choices: ['learned_absolute', 'rope', 'alibi', 'kerple', 'xpos', 'sandwich'] }),
  bool('model.share_embeddings_and_output_weights', 'Tie embedding and output layer.'),
  bool('model.overlap_p2p_comm', 'Overlap pipeline p2p with compute (interleaved schedule only; default false).'),
  o('model.tokenizer.type', 'string', "Tokenizer (GPT2BPETokenizer is GPT-2's 50,257 tokens)."),
  o('model.activations_checkpoint_granularity', 'choice', 'Recompute granularity (null: none).', { choices: ['selective', 'full'] }),
  o('model.activations_checkpoint_method', 'choice', 'Full recompute method.', { choices: ['uniform', 'block'] }),
  int('model.activations_checkpoint_num_layers', 'Layers per recompute chunk (uniform) or recomputed (block).'),
  bool('model.sequence_parallel', 'Sequence parallelism.'),
  bool('model.transformer_engine', 'Transformer Engine layers (fused attention).'),
  bool('model.use_flash_attention', 'FlashAttention without Transformer Engine.'),
  bool('model.fp8', 'FP8 GEMMs (Transformer Engine).'),
  bool('model.fp8_hybrid', 'FP8 format HYBRID (E4M3 forward, E5M2 backward); else E4M3.'),
  bool('model.ub_tp_comm_overlap', 'TP communication overlapped with GEMMs (userbuffers).'),
  o('model.ub_tp_comm_overlap_cfg.proj_fprop.method', 'choice', "Userbuffers' reduce-scatter after the attention projection (Transformer Engine's default: pipeline).", { choices: ['pipeline', 'ring_exchange'] }),
  o('model.ub_tp_comm_overlap_cfg.fc2_fprop.method', 'choice', "Userbuffers' reduce-scatter after FC2 (Transformer Engine's default: pipeline).", { choices: ['pipeline', 'ring_exchange'] }),
  // TE's initialize_ub updates its per-layer defaults with these (module/base.py), so a method given alone keeps the
  // pipeline's 16 SMs and margin: the ring exchange's num_sm 1 and set_sm_margin travel with it.
  ...(['proj_fprop', 'fc2_fprop'] as const).flatMap((l) => [
    int(`model.ub_tp_comm_overlap_cfg.${l}.num_sm`, `SMs userbuffers' ${l} communication takes (the twin: Megatron-Bridge's H100 counts).`),
    o(`model.ub_tp_comm_overlap_cfg.${l}.set_sm_margin`, 'choice', `Whether the ${l} GEMM leaves those SMs to the communication.`, { choices: ['0', '1', 'true', 'false'] }),
  ]),
  bool('model.tp_only_amax_red', "FP8 delayed scaling's amax reduction over TP x CP only (megatron_base_model.py; default false: TP x DP x CP)."),
  int('model.num_moe_experts', 'Experts per MoE layer.'),
  int('model.moe_router_topk', 'Experts a token is routed to (default 2).'),
  o('model.optim.name', 'string', 'Optimizer; distributed_fused_adam shards its state over DP.'),
  bool('model.optim.overlap_grad_sync', "Distributed Adam's gradient reduce-scatter overlapped with the backward pass."),
  bool('model.optim.overlap_param_sync', "Distributed Adam's parameter all-gather overlapped with the forward pass."),
  o('model.optim.grad_sync_dtype', 'choice', "Data type of distributed Adam's gradient reduction.", { choices: ['fp32', 'bf16', 'fp16'] }),
  bool('model.fsdp', 'Torch FSDP.'),
  o('model.fsdp_sharding_strategy', 'choice', 'What FSDP shards.', { choices: ['full', 'hybrid', 'grad'] }),
];

/** Key prefixes and keys that do not change the twin's answer. */
export const NEMO_IGNORED_PREFIXES: ReadonlyArray<[string, string]> = [
  ['exp_manager.', 'logging and checkpoint files'],
  ['model.data.', 'dataset paths and loader settings'],
  ['model.optim.sched.', 'learning-rate schedule'],
  ['model.optim.lr', 'learning rate'], ['model.optim.weight_decay', 'optimizer hyperparameter'], ['model.optim.betas', 'optimizer hyperparameter'],
  ['model.tokenizer.', 'tokenizer files'],
  ['model.ub_tp_comm_overlap_cfg.', "userbuffers' SM counts, splits, and the methods of the other layers: the twin takes Megatron-Bridge's H100 counts and ring exchange or bulk for them"],
  ['model.nsys_profile.', 'profiling'],
  ['trainer.log_every_n_steps', 'logging'], ['trainer.val_check_interval', 'evaluation cadence'], ['trainer.limit_val_batches', 'evaluation'],
  ['trainer.limit_test_batches', 'evaluation'], ['trainer.accelerator', 'gpu'], ['trainer.logger', 'logging'], ['trainer.enable_checkpointing', 'checkpoints'],
  ['trainer.max_epochs', 'max_steps ends the run first'], ['trainer.gradient_clip_val', 'optimizer hyperparameter'], ['trainer.accumulate_grad_batches', 'fixed at 1 for Megatron models'],
  ['trainer.use_distributed_sampler', 'data loading'], ['trainer.benchmark', 'cuDNN autotuning'], ['trainer.enable_model_summary', 'logging'],
  ['model.init_method_std', 'initialization'], ['model.use_scaled_init_method', 'initialization'], ['model.seed', 'initialization'],
  ['model.layernorm_epsilon', 'numerics'], ['model.megatron_amp_O2', 'bf16 working weights with fp32 main weights, as the twin counts'],
  ['model.mcore_gpt', 'Megatron-Core GPT, as the twin models'], ['model.restore_from_path', 'checkpoint files'], ['model.resume_from_checkpoint', 'checkpoint files'],
  ['name', 'the run name'], ['defaults', 'Hydra defaults list'], ['s3_checkpointing.', 'checkpoint files'], ['model.dist_ckpt_', 'checkpoint files'],
];
