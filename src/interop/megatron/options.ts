/**
 * Megatron-LM's pretrain_gpt.py options that `clustertwin import megatron` reads and `export
 * --format megatron` writes, transcribed from megatron/training/arguments.py at the tag core_v0.15.0
 * (commit 0d7e02bd26d3eb347ad8d1bef625002babfa6df7, December 2025): the last release whose
 * arguments.py spells every option out (from core_v0.16.0 most are generated from dataclasses).
 * `meaning` paraphrases the option's help text; bounds are the checks validate_args makes.
 */
import { frameworkOption, type FrameworkOption } from '../framework-target.js';

export const MEGATRON_VERSION = 'Megatron-LM core_v0.15.0';
export const MEGATRON_SOURCE = 'NVIDIA/Megatron-LM megatron/training/arguments.py @0d7e02bd26d3eb347ad8d1bef625002babfa6df7 (tag core_v0.15.0)';

const opt = frameworkOption;
const int = (name: string, meaning: string, min = 1): FrameworkOption => opt(name, 'int', meaning, { min });

/** Every option the importer maps or the exporter writes. */
export const MEGATRON_OPTIONS: readonly FrameworkOption[] = [
  // Parallelism (_add_distributed_args).
  int('--tensor-model-parallel-size', 'Degree of tensor model parallelism (default 1).'),
  int('--pipeline-model-parallel-size', 'Degree of pipeline model parallelism (default 1).'),
  int('--context-parallel-size', 'Degree of context parallelism (default 1); the sequence must be a multiple of 2 x CP.'),
  int('--expert-model-parallel-size', 'Degree of expert model parallelism (default 1).'),
  int('--expert-tensor-parallel-size', 'Degree of expert tensor parallelism (default: the tensor-parallel size).'),
  int('--num-layers-per-virtual-pipeline-stage', 'Layers per virtual pipeline stage (interleaved schedule).'),
  int('--num-virtual-stages-per-pipeline-rank', 'Virtual pipeline stages per pipeline rank (interleaved schedule).'),
  int('--decoder-first-pipeline-num-layers', 'Transformer layers on the first pipeline stage (default: an even split).'),
  int('--decoder-last-pipeline-num-layers', 'Transformer layers on the last pipeline stage (default: an even split).'),
  opt('--pipeline-model-parallel-layout', 'string', 'A custom layout of layers over pipeline stages ("E|(t|)*3,m|m||L").'),
  opt('--sequence-parallel', 'flag', 'Sequence parallelism (turned off when TP is 1).'),
  opt('--use-distributed-optimizer', 'flag', 'Distributed optimizer: optimizer state and main gradients sharded over DP.'),
  opt('--use-torch-fsdp2', 'flag', "PyTorch's FSDP2 (no pipeline or expert parallelism)."),
  opt('--use-megatron-fsdp', 'flag', 'The Megatron FSDP code path in DDP.'),
  opt('--data-parallel-sharding-strategy', 'choice', 'What Megatron FSDP shards over DP (default no_shard).', { choices: ['no_shard', 'optim', 'optim_grads', 'optim_grads_params'] }),
  opt('--ckpt-format', 'choice', 'Checkpoint format; Megatron FSDP requires fsdp_dtensor.', { choices: ['torch', 'torch_dist', 'zarr', 'torch_dcp', 'fsdp_dtensor'] }),
  opt('--overlap-grad-reduce', 'flag', 'Overlap the DDP gradient reduction with the backward pass.'),
  opt('--overlap-param-gather', 'flag', "Overlap the distributed optimizer's parameter all-gather (needs --overlap-grad-reduce)."),
  opt('--no-overlap-p2p-communication', 'flag', 'Do not overlap pipeline sends and receives with compute (they overlap only in the interleaved schedule).'),
  opt('--tp-comm-overlap', 'flag', 'Overlap tensor-parallel communication with the GEMMs (Transformer Engine userbuffers; needs sequence parallelism).'),
  // Batch and sequence (_add_training_args, _add_data_args).
  int('--micro-batch-size', 'Sequences per model instance per micro-batch.'),
  int('--global-batch-size', 'Sequences per step; a multiple of micro-batch x DP (default micro-batch x DP).'),
  int('--seq-length', 'Sequence length, tokens.'),
  int('--train-iters', 'Training steps (this or --train-samples).'),
  int('--train-samples', 'Training samples, sequences (this or --train-iters).'),
  // Recompute.
  opt('--recompute-activations', 'flag', 'Selective recompute (same as --recompute-granularity selective).'),
  opt('--recompute-granularity', 'choice', 'full: the whole layer recomputed; selective: the modules in --recompute-modules (default core_attn).', { choices: ['full', 'selective'] }),
  opt('--recompute-method', 'choice', 'uniform: recompute the input of each chunk of --recompute-num-layers layers; block: only --recompute-num-layers layers a stage.', { choices: ['uniform', 'block'] }),
  int('--recompute-num-layers', 'Layers per uniform recompute chunk, or layers recomputed per stage (block).'),
  // Precision (_add_mixed_precision_args, _add_training_args).
  opt('--bf16', 'flag', 'Run the model in bfloat16.'),
  opt('--fp16', 'flag', 'Run the model in fp16.'),
  opt('--fp8-format', 'choice', 'FP8 format for the forward and backward pass (Transformer Engine).', { choices: ['e4m3', 'hybrid'] }),
  opt('--fp8-recipe', 'choice', 'FP8 scaling recipe (default delayed).', { choices: ['tensorwise', 'delayed', 'mxfp8', 'blockwise'] }),
  opt('--accumulate-allreduce-grads-in-fp32', 'flag', 'Gradient accumulation and all-reduce in fp32 (forced on with --bf16).'),
  opt('--grad-reduce-in-bf16', 'flag', 'Reduce gradients in bfloat16 (with --bf16).'),
  // Kernels.
  opt('--attention-backend', 'choice', 'Attention backend (default auto: Transformer Engine chooses).', { choices: ['flash', 'fused', 'unfused', 'local', 'auto'] }),
  opt('--use-flash-attn', 'flag', 'Use the FlashAttention implementation.'),
  opt('--transformer-impl', 'choice', 'Transformer implementation (default transformer_engine).', { choices: ['local', 'transformer_engine'] }),
  opt('--cuda-graph-impl', 'choice', 'CUDA graph capture: none (default), local, transformer_engine.', { choices: ['none', 'local', 'transformer_engine'] }),
  opt('--enable-cuda-graph', 'flag', 'Deprecated: --cuda-graph-impl local.'),
  // Model shape (_add_network_size_args, _add_regularization_args).
  int('--num-layers', 'Transformer layers.'),
  int('--hidden-size', 'Transformer hidden size.'),
  int('--ffn-hidden-size', 'MLP hidden size (default 4 x hidden; with --swiglu int(8h/3 / 64) x 64).'),
  int('--num-attention-heads', 'Attention heads.'),
  opt('--group-query-attention', 'flag', 'Grouped-query attention.'),
  int('--num-query-groups', 'Query groups (KV heads) with --group-query-attention (default 1).'),
  int('--kv-channels', 'Dimension of one attention head (default hidden / heads).'),
  opt('--swiglu', 'flag', 'Gated linear units with SiLU instead of GELU.'),
  opt('--squared-relu', 'flag', 'Squared ReLU instead of GELU.'),
  opt('--normalization', 'choice', 'Normalization (default LayerNorm).', { choices: ['LayerNorm', 'RMSNorm'] }),
  opt('--position-embedding-type', 'choice', 'Position embedding (default learned_absolute).', { choices: ['learned_absolute', 'rope', 'mrope', 'relative', 'none'] }),
  opt('--disable-bias-linear', 'flag', 'No biases in the linear layers.'),
  opt('--untie-embeddings-and-output-weights', 'flag', 'Separate input embedding and output layer weights (default: tied).'),
  int('--max-position-embeddings', 'Position embeddings; at least the sequence length.'),
  opt('--hidden-dropout', 'number', 'Dropout after attention and MLP (default 0.1).', { min: 0, max: 1 }),
  opt('--attention-dropout', 'number', 'Dropout on the attention probabilities (default 0.1).', { min: 0, max: 1 }),
  // Vocabulary (_add_network_size_args, _add_tokenizer_args).
  int('--vocab-size', 'Vocabulary before the EOD token and padding (NullTokenizer adds one EOD token).'),
  int('--make-vocab-size-divisible-by', 'Pad the vocabulary to a multiple of this x TP (default 128).'),
  opt('--tokenizer-type', 'choice', 'Tokenizer.', {
    choices: ['BertWordPieceLowerCase', 'BertWordPieceCase', 'GPT2BPETokenizer', 'SentencePieceTokenizer', 'GPTSentencePieceTokenizer', 'HuggingFaceTokenizer', 'Llama2Tokenizer', 'TikTokenizer', 'MultimodalTokenizer', 'NullTokenizer', 'NullMultimodalTokenizer', 'SFTTokenizer'],
  }),
  opt('--mock-data', 'flag', 'Artificial data instead of a dataset (benchmarks).'),
  // Mixture of experts (_add_moe_args).
  int('--num-experts', 'Experts per MoE layer (default: no MoE).'),
  int('--moe-router-topk', 'Experts each token is routed to (default 2).'),
  int('--moe-ffn-hidden-size', "One expert's MLP hidden size (default --ffn-hidden-size)."),
  opt('--moe-expert-capacity-factor', 'number', 'Capacity per expert relative to an even split (default: none, no token dropped).', { min: 0 }),
  int('--moe-shared-expert-intermediate-size', 'Total MLP hidden size of the shared experts (default: none).'),
];

/** Options that do not change the twin's answer: read and listed, never mapped. `takes`: how many values follow. */
export interface IgnoredOption {
  takes: 'none' | 'one' | 'many';
  why: string;
}

const PATHS = 'a path or a name; the twin times the step, not the files';
const LR = 'learning-rate schedule and optimizer hyperparameters do not change the step time';
const LOG = 'logging and evaluation cadence';
const NOT_MODELLED = 'not modelled by the twin';

export const MEGATRON_IGNORED: Readonly<Record<string, IgnoredOption>> = {
  '--lr': { takes: 'one', why: LR }, '--min-lr': { takes: 'one', why: LR }, '--lr-decay-style': { takes: 'one', why: LR },
  '--lr-decay-iters': { takes: 'one', why: LR }, '--lr-decay-samples': { takes: 'one', why: LR }, '--lr-warmup-iters': { takes: 'one', why: LR },
  '--lr-warmup-samples': { takes: 'one', why: LR }, '--lr-warmup-fraction': { takes: 'one', why: LR }, '--weight-decay': { takes: 'one', why: LR },
  '--adam-beta1': { takes: 'one', why: LR }, '--adam-beta2': { takes: 'one', why: LR }, '--adam-eps': { takes: 'one', why: LR },
  '--clip-grad': { takes: 'one', why: LR }, '--init-method-std': { takes: 'one', why: LR }, '--seed': { takes: 'one', why: LR },
  '--optimizer': { takes: 'one', why: 'adam is the optimizer the twin counts (its two fp32 moments)' },
  '--loss-scale': { takes: 'one', why: LR }, '--initial-loss-scale': { takes: 'one', why: LR }, '--min-loss-scale': { takes: 'one', why: LR },
  '--loss-scale-window': { takes: 'one', why: LR }, '--hysteresis': { takes: 'one', why: LR }, '--norm-epsilon': { takes: 'one', why: LR },
  '--rotary-base': { takes: 'one', why: LR }, '--rotary-percent': { takes: 'one', why: LR },
  '--data-path': { takes: 'many', why: PATHS }, '--split': { takes: 'one', why: PATHS }, '--vocab-file': { takes: 'one', why: PATHS },
  '--merge-file': { takes: 'one', why: PATHS }, '--tokenizer-model': { takes: 'one', why: PATHS }, '--data-cache-path': { takes: 'one', why: PATHS },
  '--save': { takes: 'one', why: PATHS }, '--load': { takes: 'one', why: PATHS }, '--save-interval': { takes: 'one', why: LOG },
  '--tensorboard-dir': { takes: 'one', why: PATHS }, '--wandb-project': { takes: 'one', why: PATHS }, '--wandb-exp-name': { takes: 'one', why: PATHS },
  '--num-workers': { takes: 'one', why: 'data loader processes run beside the GPUs' },
  '--log-interval': { takes: 'one', why: LOG }, '--eval-interval': { takes: 'one', why: LOG }, '--eval-iters': { takes: 'one', why: LOG },
  '--log-throughput': { takes: 'none', why: LOG }, '--log-timers-to-tensorboard': { takes: 'none', why: LOG },
  '--log-memory-to-tensorboard': { takes: 'none', why: LOG }, '--timing-log-level': { takes: 'one', why: LOG },
  '--distributed-backend': { takes: 'one', why: 'NCCL is what the twin times' },
  '--distributed-timeout-minutes': { takes: 'one', why: LOG },
  '--use-mcore-models': { takes: 'none', why: 'Megatron-Core models are the default' },
  '--no-masked-softmax-fusion': { takes: 'none', why: NOT_MODELLED }, '--no-bias-gelu-fusion': { takes: 'none', why: NOT_MODELLED },
  '--no-bias-dropout-fusion': { takes: 'none', why: NOT_MODELLED }, '--no-gradient-accumulation-fusion': { takes: 'none', why: NOT_MODELLED },
  '--cross-entropy-loss-fusion': { takes: 'none', why: NOT_MODELLED }, '--no-check-for-nan-in-loss-and-grad': { takes: 'none', why: NOT_MODELLED },
  '--moe-token-dispatcher-type': { takes: 'one', why: NOT_MODELLED }, '--moe-router-load-balancing-type': { takes: 'one', why: NOT_MODELLED },
  '--moe-aux-loss-coeff': { takes: 'one', why: LR }, '--moe-grouped-gemm': { takes: 'none', why: NOT_MODELLED },
  '--moe-pad-expert-input-to-capacity': { takes: 'none', why: NOT_MODELLED },
  '--fp8-param-gather': { takes: 'none', why: NOT_MODELLED }, '--fp8-amax-history-len': { takes: 'one', why: NOT_MODELLED },
  '--fp8-amax-compute-algo': { takes: 'one', why: NOT_MODELLED }, '--tp-comm-overlap-cfg': { takes: 'one', why: PATHS },
  '--recompute-modules': { takes: 'many', why: 'the twin recomputes the attention core (core_attn, the default)' },
  '--manual-gc': { takes: 'none', why: NOT_MODELLED }, '--manual-gc-interval': { takes: 'one', why: NOT_MODELLED },
  '--exit-duration-in-mins': { takes: 'one', why: LOG }, '--exit-interval': { takes: 'one', why: LOG },
  '--no-create-attention-mask-in-dataloader': { takes: 'none', why: NOT_MODELLED },
  '--use-rotary-position-embeddings': { takes: 'none', why: 'deprecated spelling of --position-embedding-type rope' },
};

/** The option's record by name. */
export const megatronOption = (name: string): FrameworkOption | undefined => MEGATRON_OPTIONS.find((o) => o.name === name);

/**
 * Scenario fields Megatron-LM has no option for: the twin's own modelling choices (how it times a
 * step), settings Megatron-LM fixes, or configuration fields pretrain_gpt.py does not take on its command
 * line (fp8AmaxReduction: TransformerConfig's tp_only_amax_red, or the Megatron-Core release;
 * tpOverlapReduceScatter: a method in the --tp-comm-overlap-cfg YAML file). An import
 * leaves them at the twin's defaults (give them as flags beside the import); an export names them in
 * `unsupported`.
 */
export const TWIN_ONLY_FIELDS = [
  'system', 'overlapInterference', 'network', 'powerClock', 'rankVariation', 'tpAsyncAllreduce', 'gradBuffer', 'fp8Overheads',
  'fp8AmaxReduction', 'tpOverlapReduceScatter', 'zeroBucketParams', 'kernels', 'lossKernel', 'optimizerKernel', 'weightDtype', 'autocastCache', 'dp', 'gpus',
] as const;
