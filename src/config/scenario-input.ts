/**
 * What a user writes: a flat scenario where every key is a CLI flag in
 * camelCase (`--kv-heads` is `kvHeads`). `system` and `model` name a preset or
 * describe one inline; model fields given beside a preset override it.
 */
import { z } from 'zod';
import { ClusterTwinError } from '../errors.js';
import { BOUNDS, boundedNumber, nameSchema as nameField } from './bounds.js';
import { ModelSpecSchema, FFN_ACTIVATIONS } from './model-schema.js';
import { SystemSpecSchema } from './system-schema.js';
import { ATTENTION_KERNELS, AUTOCAST_CACHES, FP8_AMAX_REDUCTIONS, TP_OVERLAP_RS_METHODS, FP8_OVERHEADS, FP8_RECIPES, HOST_OVERHEAD_MODES, KERNEL_STYLES, LOSS_KERNELS, OPTIMIZER_KERNELS, OVERLAP_INTERFERENCE_MODES, OverlapInputSchema, GRAD_BUFFER_MODES, POWER_CLOCK_MODES, PRECISIONS, RANK_VARIATIONS, RECOMPUTE_MODES, TP_ASYNC_ALLREDUCE_MODES } from './execution-schema.js';

/** A count that may be written as `300e9`, `300B`, `16M`, within its stated bound. */
const countField = boundedNumber;

const boolField = () =>
  z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const ScenarioInputSchema = z
  .object({
    system: z.union([nameField(), SystemSpecSchema]).optional().describe('System preset name (see `clustertwin presets systems`) or an inline system description'),
    gpus: countField(BOUNDS.gpus).optional().describe('Number of GPUs in the job'),
    model: z.union([nameField(), ModelSpecSchema]).optional().describe('Model preset name (see `clustertwin presets models`) or an inline model description'),
    layers: countField(BOUNDS.layers).optional().describe('Override: transformer layers'),
    hidden: countField(BOUNDS.hidden).optional().describe('Override: hidden size'),
    heads: countField(BOUNDS.heads).optional().describe('Override: attention heads'),
    kvHeads: countField(BOUNDS.heads).optional().describe('Override: key/value heads (grouped-query attention)'),
    ffnHidden: countField(BOUNDS.ffnHidden).optional().describe('Override: MLP hidden size'),
    ffnAct: z.enum(FFN_ACTIVATIONS).optional().describe('Override: MLP activation'),
    vocab: countField(BOUNDS.vocab).optional().describe('Override: vocabulary size'),
    tied: boolField().optional().describe('Override: input embedding and output layer share weights'),
    dropout: boolField().optional().describe('Override: dropout after attention and MLP (its masks cost time and memory)'),
    seq: countField(BOUNDS.seq).optional().describe('Sequence length, tokens (default: the model\'s maxSeq, else 2048)'),
    gbs: countField(BOUNDS.gbs).optional().describe('Global batch, sequences (default: about 4M tokens)'),
    mbs: countField(BOUNDS.mbs).optional().describe('Micro-batch, sequences (default 1)'),
    tp: countField(BOUNDS.parallel).optional().describe('Tensor-parallel size (default: chosen with pp as the fastest split that fits)'),
    pp: countField(BOUNDS.parallel).optional().describe('Pipeline-parallel size (default: chosen with tp)'),
    dp: countField(BOUNDS.parallel).optional().describe('Data-parallel size (default: gpus / (tp x pp x cp))'),
    cp: countField(BOUNDS.parallel).optional().describe('Context-parallel size (default 1)'),
    ep: countField(BOUNDS.parallel).optional().describe('Expert-parallel size, MoE models (default 1)'),
    etp: countField(BOUNDS.parallel).optional().describe("Expert tensor-parallel size, MoE models (Megatron-Core's expert_tensor_parallel_size): each expert split over etp ranks, EP peers etp ranks apart, the routed tokens all-gathered over ETP (default: unset, experts unsplit and EP across DP ranks)"),
    vp: countField(BOUNDS.parallel).optional().describe('Virtual pipeline stages per GPU; > 1 is interleaved 1F1B (default 1)'),
    sp: boolField().optional().describe('Sequence parallelism (default: on when tp > 1)'),
    zero: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)])).optional().describe('ZeRO stage 0-3; 1 is Megatron\'s distributed optimizer (default 1)'),
    recompute: z.enum(RECOMPUTE_MODES).optional().describe('Activation recompute (default selective)'),
    precision: z.enum(PRECISIONS).optional().describe('GEMM precision (default bf16, fp16 on GPUs without bf16)'),
    overlap: OverlapInputSchema.optional().describe('Communication overlapped with compute: comma list of tp, dp, pp, or none (default dp,pp)'),
    overlapInterference: z.enum(OVERLAP_INTERFERENCE_MODES).optional().describe('What overlapped communication costs the compute beside it: none (SMs by their share), sms (waves recounted on the SMs left, a gap per chunk), sms-hbm (also the HBM traffic of the transfers), both-ways (also the transfers slowed by the HBM traffic of the compute beside them; default)'),
    tokens: countField(BOUNDS.tokens).optional().describe("Training tokens for the whole run (default: the model's published training tokens, else 20 a parameter, Chinchilla's rule)"),
    layersPerStage: z.array(z.number().int().nonnegative().max(BOUNDS.layers.max)).max(BOUNDS.layers.max).optional().describe('Layers on each pipeline stage (default: balanced, ends one lighter when uneven)'),
    attention: z.enum(ATTENTION_KERNELS).optional().describe('Attention kernel: fused FlashAttention-2 (flash), fused FlashAttention in Triton (flash-triton), or unfused softmax (default flash)'),
    zeroBucketParams: countField(BOUNDS.zeroBucketParams).optional().describe('Parameters per ZeRO-3 gather/reduce-scatter call; 0 = one layer per call, as FSDP (DeepSpeed default 5e7)'),
    network: z.enum(['analytical', 'flow']).optional().describe('Network model for the step: analytical (fast) or flow-level over the topology (default analytical)'),
    gradReduceDtype: z.enum(['fp32', 'bf16', 'fp16']).optional().describe('Data type of the DP gradient reduction (default fp32, as Megatron-LM)'),
    autocastCache: z.enum(AUTOCAST_CACHES).optional().describe("With fp32 weights: autocast keeps every weight's 16-bit copy until the forward pass ends (forward: DDP, a single GPU, FSDP2) or none (FSDP1, whose forward pass runs on views into flat parameters); default none under ZeRO-3, forward otherwise"),
    lossKernel: z.enum(LOSS_KERNELS).optional().describe('The loss over the vocabulary, for its memory: fused (Megatron-LM, flash-attn cross entropy) or eager (fp32 logits, then log_softmax); default: the kernel style'),
    optimizerKernel: z.enum(OPTIMIZER_KERNELS).optional().describe("The optimizer step: fused (one pass over the states: Apex/TE FusedAdam, Megatron-LM) or foreach (PyTorch's default multi-tensor AdamW, about 80 bytes of HBM traffic a parameter); default: fused with fused kernels, foreach with eager"),
    fp8Overheads: z.enum(FP8_OVERHEADS).optional().describe("FP8's costs beyond the casts: te (amax passes and reductions, scale updates, FP8 GEMMs' fixed cost per tile, MXFP8's block-scaled GEMM rate, no transpose where FP8 GEMMs take any layout, FP8 inputs kept for backward, as Transformer Engine does; default) or off (the cast-transposes and the per-step weight cast only)"),
    fp8Recipe: z.enum(FP8_RECIPES).optional().describe("Transformer Engine's FP8 scaling recipe: delayed (default; amax history, reduced once per micro-batch), current (an amax pass before each cast; TE 2.2+), mxfp8 (1x32 block scales, Blackwell)"),
    tpOverlapReduceScatter: z.enum(TP_OVERLAP_RS_METHODS).optional().describe("With TP overlap, how userbuffers reduce-scatters the projection and FC2 outputs: pipeline (4 splits on 24 or 8 SMs taken from the GEMM) or ring-exchange (TP chunks sent by copy engine, then one sum of the partials); default ring-exchange under FP8 and pipeline otherwise, as Megatron-Bridge and NeMo 2.3+ configure them"),
    fp8AmaxReduction: z.enum(FP8_AMAX_REDUCTIONS).optional().describe("Delayed scaling's amax all-reduce: tp-dp-cp (default; over TP x DP x CP, waited for: Megatron-Core 0.9+ and before 0.8), tp-cp (over TP x CP only: Megatron-Core 0.8, tp_only_amax_red) or tp-cp-async (TP only, the backward pass's not waited for: TE <= 1.5 with NVTE_DP_AMAX_REDUCE_INTERVAL=0 and NVTE_ASYNC_AMAX_REDUCTION=1)"),
    powerClock: z.enum(POWER_CLOCK_MODES).optional().describe("The SM clock under the power cap: step-mix (default; the compute rates follow the step's own GEMM duty through the GPU preset's measured sustainedClock curve) or off (the preset's rates at every mix)"),
    hostOverhead: z.enum(HOST_OVERHEAD_MODES).optional().describe('The host issuing kernels: launch-queue (eager: the GPU waits where kernels are shorter than the CPU takes to issue them), cuda-graphs (each layer replayed as a CUDA graph) or off (the GPU never waits for the host); default launch-queue'),
    tpAsyncAllreduce: z.enum(TP_ASYNC_ALLREDUCE_MODES).optional().describe("Without sequence parallelism: on (default) all-reduces the QKV and FC1 input gradients while their weight-gradient GEMMs run, as Megatron-LM has since September 2021; off blocks on them, as earlier code did"),
    rankVariation: z.enum(RANK_VARIATIONS).optional().describe("Waiting for the slowest rank: expected-max (the default: each step pays the expected maximum over the job's GPUs of the GPU preset's per-GPU kernel-time spread) or off (every GPU times alike)"),
    gradBuffer: z.enum(GRAD_BUFFER_MODES).optional().describe("Passes over the local gradient buffer each step: megatron (Megatron DDP: zeroed, its norm checked for NaN and scaled by 1/DP before the reduction, 4 bytes a parameter each pass with fp32 gradients) or off (default: none counted)"),
    kernels: z.enum(KERNEL_STYLES).optional().describe('Elementwise kernels: fused (default; Megatron-LM, Transformer Engine) or eager PyTorch reference code (each op a kernel; Hugging Face, llm-foundry)'),
    weightDtype: z.enum(['bf16', 'fp32']).optional().describe('Weights the GEMMs start from: bf16 working copies (default, Megatron-LM) or fp32 cast by autocast at every use (plain PyTorch AMP; FSDP without param_dtype)'),
  })
  .strict();

export type ScenarioInput = z.input<typeof ScenarioInputSchema>;
export type ScenarioInputParsed = z.infer<typeof ScenarioInputSchema>;

/** Keys a scenario accepts, for messages and the config reference. */
export const SCENARIO_KEYS = Object.keys(ScenarioInputSchema.shape);

/** What a length bound counts: characters of a string, items of a list. */
const sizeUnit = (origin: unknown): string => (origin === 'string' ? ' characters' : origin === 'array' ? ' items' : '');

/** Turns the first zod issue into one sentence naming the field and what is allowed. */
export function zodIssueToError(error: z.ZodError | { issues: z.core.$ZodIssue[] }, prefix = ''): ClusterTwinError {
  const issue = error.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  // A preset name or an inline description: when the user wrote a description, say what is wrong inside it.
  if (issue.code === 'invalid_union') {
    const inner = issue.errors.find((branch) => branch.length > 0 && !(branch[0].code === 'invalid_type' && branch[0].path.length === 0));
    if (inner) return zodIssueToError({ issues: inner }, path);
  }
  let message: string;
  // Our own messages (the bounds') start with a lower-case "expected": they say the range already.
  if (issue.message.startsWith('expected ')) return new ClusterTwinError(issue.code === 'too_big' || issue.code === 'too_small' ? 'out_of_range' : 'invalid_value', path, issue.message);
  switch (issue.code) {
    case 'invalid_value':
      message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'unrecognized_keys':
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      break;
    case 'invalid_type':
      message = `expected ${issue.expected}${'input' in issue && issue.input === undefined ? ' (missing)' : ''}`;
      break;
    case 'too_small':
      message = `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}${sizeUnit(issue.origin)}`;
      break;
    case 'too_big':
      message = `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}${sizeUnit(issue.origin)}`;
      break;
    case 'invalid_union':
      message = 'is neither a preset name nor a valid inline description';
      break;
    default:
      message = issue.message;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'number') message = 'expected a number (counts accept 300e9, 300B, 16M)';
  if (issue.code === 'invalid_type' && issue.expected === 'int') message = 'expected a whole number';
  return new ClusterTwinError('invalid_value', path, message);
}

/** Validates a scenario object (from a config file or flags). */
export function parseScenarioInput(input: unknown, prefix = ''): ScenarioInputParsed {
  const r = ScenarioInputSchema.safeParse(input);
  if (!r.success) throw zodIssueToError(r.error, prefix);
  return r.data;
}
