/**
 * A resolved scenario -> the Megatron-LM pretrain_gpt.py command line of the run the twin timed:
 * parallelism, batch, recompute, precision and overlaps, in core_v0.15.0's option names
 * (options.ts). A twin setting with no Megatron-LM option is named in `unsupported`, never
 * invented. Data and tokenizer are mock (--mock-data, NullTokenizer sized to the model's
 * vocabulary) so the command runs as a benchmark; a user swaps in a dataset, a tokenizer and a
 * learning rate.
 */
import type { ExportedConfig, UnsupportedSetting } from '../framework-target.js';
import type { Scenario } from '../../config/resolve.js';
import { expertFfnHidden } from '../../model/transformer.js';
import { MEGATRON_SOURCE, MEGATRON_VERSION } from './options.js';
import { paddedVocab } from './import.js';

/** What an export writes as the options of one run, before the entry point is put in front. */
export interface MegatronArgsOut {
  args: string[];
  unsupported: UnsupportedSetting[];
}

/** The twin's modelling choices, which no framework option sets: named on every export. */
export function twinModellingSettings(s: Scenario): UnsupportedSetting[] {
  const e = s.exec;
  const out: UnsupportedSetting[] = [
    { setting: 'overlapInterference', value: e.overlapInterference, why: 'how the twin costs overlapped communication; not a framework setting' },
    { setting: 'network', value: e.network, why: "the twin's network model; not a framework setting" },
    { setting: 'powerClock', value: e.powerClock, why: "the twin's model of the SM clock under the power cap" },
    { setting: 'rankVariation', value: e.rankVariation, why: "the twin's model of waiting for the slowest rank" },
    { setting: 'gradBuffer', value: e.gradBuffer, why: 'whether the twin counts the passes over the gradient buffer (Megatron DDP makes them; --grad-buffer megatron counts them)' },
  ];
  if (e.tpAsyncAllreduce === 'off') out.push({ setting: 'tpAsyncAllreduce', value: e.tpAsyncAllreduce, why: 'Megatron-LM has run the backward TP all-reduces asynchronously since 2021-09; Megatron-Core ignores --no-async-tensor-model-parallel-allreduce' });
  if (e.precision === 'fp8') out.push({ setting: 'fp8Overheads', value: e.fp8Overheads, why: "which of Transformer Engine's FP8 costs the twin counts" });
  return out;
}

/** The largest of 128, 64, ..., 1 whose multiple of TP divides the vocabulary (so Megatron-LM pads it to itself). */
const vocabDivisor = (vocab: number, tp: number): number | undefined => [128, 64, 32, 16, 8, 4, 2, 1].find((d) => vocab % (d * tp) === 0);

/** The Megatron-LM options of a scenario. */
export function megatronArgs(s: Scenario): MegatronArgsOut {
  const { model: m, exec: e } = s;
  const a: string[] = [];
  const un: UnsupportedSetting[] = [];
  const add = (...xs: Array<string | number>): void => void a.push(...xs.map(String));
  const no = (setting: string, value: unknown, why: string): void => void un.push({ setting, value: String(value), why });

  add('--tensor-model-parallel-size', e.tp, '--pipeline-model-parallel-size', e.pp, '--context-parallel-size', e.cp);
  if (m.moe) add('--expert-model-parallel-size', e.ep);
  if (e.etp !== null) add('--expert-tensor-parallel-size', e.etp);
  else if (m.moe && e.tp > 1) no('etp', 'unset', "the twin's default MoE model keeps experts unsplit with EP carved out of DP; Megatron-LM then splits experts over TP (--expert-tensor-parallel-size defaults to TP); give --etp to time Megatron's grid");
  if (e.vp > 1) add('--num-virtual-stages-per-pipeline-rank', e.vp);
  const even = e.layersPerStage.every((l) => l === e.layersPerStage[0]);
  if (!even) {
    const middle = e.layersPerStage.slice(1, -1);
    if (e.pp >= 3 && middle.every((l) => l === middle[0])) add('--decoder-first-pipeline-num-layers', e.layersPerStage[0], '--decoder-last-pipeline-num-layers', e.layersPerStage[e.pp - 1]);
    else if (e.pp === 2) add('--decoder-first-pipeline-num-layers', e.layersPerStage[0], '--decoder-last-pipeline-num-layers', e.layersPerStage[1]);
    else no('layersPerStage', e.layersPerStage.join(','), 'Megatron-LM sets the first and last stage only (--decoder-first/last-pipeline-num-layers); this split has uneven middle stages');
  }
  if (e.sp && e.tp > 1) add('--sequence-parallel');

  // Optimizer sharding: ZeRO-1 is the distributed optimizer, 2 and 3 Megatron FSDP's strategies.
  if (e.zero === 1) add('--use-distributed-optimizer');
  if (e.zero >= 2) add('--use-megatron-fsdp', '--data-parallel-sharding-strategy', e.zero === 2 ? 'optim_grads' : 'optim_grads_params', '--ckpt-format', 'fsdp_dtensor');
  if (e.zero === 3) no('zeroBucketParams', e.zeroBucketParams, "Megatron FSDP's buckets are not the twin's gather size");

  // Model shape.
  add('--num-layers', m.layers, '--hidden-size', m.hidden, '--ffn-hidden-size', m.ffnHidden, '--num-attention-heads', m.heads);
  if (m.kvHeads !== m.heads) add('--group-query-attention', '--num-query-groups', m.kvHeads);
  if (m.headDim !== undefined) add('--kv-channels', m.headDim);
  if (m.ffnAct === 'swiglu') add('--swiglu');
  else if (m.ffnAct === 'relu2') add('--squared-relu');
  else if (m.ffnAct === 'relu') no('ffnAct', 'relu', 'Megatron-LM has no option for a plain ReLU MLP (GELU, --swiglu, --squared-relu)');
  if (m.norm === 'rmsnorm') add('--normalization', 'RMSNorm');
  else if (m.norm === 'low-precision-layernorm') no('norm', m.norm, "Megatron-LM's LayerNorm normalizes in fp32; no option for a low-precision one");
  if (m.positional === 'rope') add('--position-embedding-type', 'rope');
  else if (m.positional === 'alibi') no('positional', 'alibi', 'Megatron-LM has no ALiBi position embedding');
  if (!m.bias) add('--disable-bias-linear');
  if (!m.tiedEmbeddings) add('--untie-embeddings-and-output-weights');
  if (!m.dropout) add('--hidden-dropout', 0, '--attention-dropout', 0);
  if (m.mla) no('mla', 'on', 'multi-head latent attention is not exported');
  if (m.moe) {
    add('--num-experts', m.moe.experts, '--moe-router-topk', m.moe.topK, '--moe-ffn-hidden-size', expertFfnHidden(m));
    if (m.moe.capacityFactor !== 1) add('--moe-expert-capacity-factor', m.moe.capacityFactor);
    if (m.moe.sharedExperts > 0) add('--moe-shared-expert-intermediate-size', m.moe.sharedExperts * expertFfnHidden(m));
    if (m.moe.denseLayers > 0) no('moe.denseLayers', m.moe.denseLayers, 'leading dense layers (--moe-layer-freq) are not exported');
  }
  // The vocabulary: NullTokenizer adds one EOD token to --vocab-size, then pads to a multiple of divisor x TP.
  const d = vocabDivisor(m.vocab, e.tp);
  add('--tokenizer-type', 'NullTokenizer', '--vocab-size', m.vocab - 1);
  if (d === undefined) no('vocab', m.vocab, `Megatron-LM pads the vocabulary to a multiple of TP ${e.tp}: it would train ${paddedVocab(m.vocab, 1, e.tp)}`);
  if ((d ?? 1) !== 128) add('--make-vocab-size-divisible-by', d ?? 1);
  add('--max-position-embeddings', Math.max(m.maxSeq ?? e.seq, e.seq));
  if (m.positional === 'learned' && (m.maxSeq ?? 2048) < e.seq) no('maxSeq', m.maxSeq ?? 2048, `Megatron-LM needs --max-position-embeddings at least --seq-length ${e.seq}: the exported run has a longer position table than the twin counted`);

  // Batch, sequence and run length.
  add('--seq-length', e.seq, '--micro-batch-size', e.mbs, '--global-batch-size', e.gbs);
  add('--train-samples', Math.ceil(e.tokens / e.seq));

  // Precision.
  if (e.precision === 'fp16') add('--fp16');
  else add('--bf16');
  if (e.precision === 'fp8') add('--fp8-format', 'hybrid', '--fp8-recipe', ({ delayed: 'delayed', current: 'tensorwise', mxfp8: 'mxfp8' } as const)[e.fp8Recipe]);
  // tp_only_amax_red is a TransformerConfig field without a pretrain_gpt.py option (arguments.py sets it from the config only).
  if (e.precision === 'fp8' && e.fp8Recipe === 'delayed' && e.fp8AmaxReduction !== 'tp-dp-cp') no('fp8AmaxReduction', e.fp8AmaxReduction, 'Megatron-LM has no command-line option for tp_only_amax_red (a TransformerConfig field); set it in the model config');
  const base = e.precision === 'fp16' ? 'fp16' : 'bf16';
  if (base === 'fp16' && e.gradReduceDtype === 'fp32') add('--accumulate-allreduce-grads-in-fp32');
  else if (base === 'bf16' && e.gradReduceDtype === 'bf16') add('--grad-reduce-in-bf16');
  else if (e.gradReduceDtype !== (base === 'fp16' ? 'fp16' : 'fp32')) no('gradReduceDtype', e.gradReduceDtype, `with --${base} Megatron-LM reduces gradients in ${base === 'fp16' ? 'fp16 or fp32' : 'fp32 or bf16'}`);
  if (e.weightDtype === 'fp32') no('weightDtype', 'fp32', 'Megatron-LM keeps 16-bit working weights; no option for fp32 weights cast at each use');

  // Recompute.
  if (e.recompute === 'selective') add('--recompute-granularity', 'selective');
  if (e.recompute === 'full') add('--recompute-granularity', 'full', '--recompute-method', 'uniform', '--recompute-num-layers', 1);
  if (e.recompute === 'selective-op') no('recompute', 'selective-op', "torchtitan's per-op policy; Megatron-LM's selective recompute is the attention core");

  // Overlaps.
  if (e.overlap.tp) {
    if (e.sp && e.tp > 1) {
      add('--tp-comm-overlap');
      // Transformer Engine's default method for these two is the pipeline (initialize_ub); ring exchange takes a config file.
      if (e.tpOverlapReduceScatter === 'ring-exchange') no('tpOverlapReduceScatter', 'ring-exchange', 'give --tp-comm-overlap-cfg a YAML with proj_fprop and fc2_fprop set to method ring_exchange, num_sm 1, set_sm_margin 1 (Transformer Engine\'s default is the pipeline)');
    } else no('overlap.tp', 'on', 'Megatron-LM overlaps TP communication only with sequence parallelism and TP > 1');
  }
  if (e.overlap.dp) {
    add('--overlap-grad-reduce');
    if (e.zero >= 1) add('--overlap-param-gather');
  }
  if (e.pp > 1 && e.vp > 1 && !e.overlap.pp) add('--no-overlap-p2p-communication');
  if (e.pp > 1 && e.vp === 1 && e.overlap.pp) no('overlap.pp', 'on', 'Megatron-LM overlaps pipeline sends with compute only in the interleaved schedule (VP > 1)');

  // Kernels.
  if (e.attention === 'flash') add('--attention-backend', 'flash');
  else if (e.attention === 'unfused') add('--attention-backend', 'unfused');
  else no('attention', e.attention, 'Megatron-LM has no Triton FlashAttention backend');
  if (e.hostOverhead === 'cuda-graphs') add('--cuda-graph-impl', 'transformer_engine');
  else if (e.hostOverhead === 'off') no('hostOverhead', 'off', "the twin's host model switched off; Megatron-LM launches eagerly unless CUDA graphs are on");
  if (e.kernels === 'eager') no('kernels', 'eager', 'Megatron-LM runs fused kernels');
  if (e.lossKernel === 'eager') no('lossKernel', 'eager', "Megatron-LM's loss is its vocab-parallel cross entropy");
  if (e.optimizerKernel === 'foreach') no('optimizerKernel', 'foreach', 'Megatron-LM steps a fused Adam');
  if (e.weightDtype === 'fp32') no('autocastCache', e.autocastCache, 'PyTorch autocast of fp32 weights; not a Megatron-LM setting');
  add('--mock-data');
  return { args: a, unsupported: [...un, ...twinModellingSettings(s)] };
}

/** `clustertwin export --format megatron`: the pretrain_gpt.py command line. */
export function exportMegatron(s: Scenario): ExportedConfig {
  const { args, unsupported } = megatronArgs(s);
  return { format: 'megatron', version: MEGATRON_VERSION, source: MEGATRON_SOURCE, command: ['pretrain_gpt.py', ...args], files: [], unsupported };
}
