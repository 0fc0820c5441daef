/**
 * From what the user wrote to a scenario the engine can run: presets looked
 * up, model overrides applied, execution defaults filled, and every product
 * and divisibility rule checked, each failure naming its field.
 */
import { ClusterTwinError, invalid } from '../errors.js';
import { completeModel, type ModelOverrides, type ModelSpec } from './model-schema.js';
import { expertFfnHidden, totalParams } from '../model/transformer.js';
import type { SystemSpec } from './system-schema.js';
import {
  ExecutionDefaults,
  OVERLAP_KINDS,
  type Execution,
  type OverlapSwitches,
} from './execution-schema.js';
import type { ScenarioInputParsed } from './scenario-input.js';
import { resolveModelPreset, resolveSystem, type PresetCatalog } from './catalog.js';
import { runTokens } from './training-tokens.js';
import { checkLayerSplit, defaultLayerSplit } from '../parallel/stage-split.js';
import { BOUNDS, MAX_PIPELINE_PASSES, rangeText } from './bounds.js';

/** A runnable scenario: the three axes, resolved. */
export interface Scenario {
  system: SystemSpec;
  model: ModelSpec;
  exec: Execution;
}

/** Parses `--overlap tp,dp` (or a list, or an object) into switches. */
export function parseOverlap(v: ScenarioInputParsed['overlap']): OverlapSwitches {
  if (v === undefined) return { ...ExecutionDefaults.overlap };
  if (typeof v === 'object' && !Array.isArray(v)) return { ...ExecutionDefaults.overlap, ...v };
  const items = (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim().toLowerCase()).filter(Boolean);
  // An empty list would silently mean "none": make the user say so.
  if (items.length === 0) throw invalid('overlap', 'is empty; give a comma list of tp, dp, pp, or none');
  const out: OverlapSwitches = { tp: false, dp: false, pp: false };
  for (const item of items) {
    if (item === 'none') continue;
    if (!(OVERLAP_KINDS as readonly string[]).includes(item)) {
      throw invalid('overlap', `unknown overlap "${item}"; allowed: a comma list of tp, dp, pp, or none`);
    }
    out[item as keyof OverlapSwitches] = true;
  }
  return out;
}

/** The model of a scenario: its preset (or inline description) with field overrides. */
export function scenarioModel(input: ScenarioInputParsed, catalog: PresetCatalog): ModelSpec {
  const base = resolveModelPreset(catalog, input.model ?? 'gpt3-175b', 'model');
  const over = { ...base };
  if (input.layers !== undefined) over.layers = input.layers;
  if (input.hidden !== undefined) over.hidden = input.hidden;
  if (input.heads !== undefined) over.heads = input.heads;
  // A new width keeps the preset's MLP ratio, and new heads keep its grouping, unless given too.
  if (input.ffnHidden !== undefined) over.ffnHidden = input.ffnHidden;
  else if (input.hidden !== undefined && base.ffnHidden !== undefined) {
    over.ffnHidden = Math.round((base.ffnHidden / base.hidden) * input.hidden);
  }
  if (input.kvHeads !== undefined) over.kvHeads = input.kvHeads;
  else if (input.heads !== undefined && base.kvHeads !== undefined) {
    over.kvHeads = base.kvHeads === base.heads ? input.heads : Math.max(1, Math.round((base.kvHeads / base.heads) * input.heads));
  }
  if (input.ffnAct !== undefined) over.ffnAct = input.ffnAct;
  if (input.vocab !== undefined) over.vocab = input.vocab;
  if (input.tied !== undefined) over.tiedEmbeddings = input.tied;
  if (input.dropout !== undefined) over.dropout = input.dropout;
  const preset = completeModel(base);
  const m = completeModel(over);
  if (m.headDim === undefined && m.hidden % m.heads !== 0) {
    throw invalid('hidden', `hidden size ${m.hidden} must be divisible by the ${m.heads} attention heads (or the model must set headDim)`);
  }
  if (m.heads % m.kvHeads !== 0) throw invalid('kvHeads', `the ${m.heads} attention heads must be divisible by the ${m.kvHeads} KV heads`);
  const overrides = modelOverrides(input, preset, m);
  if (overrides) {
    m.overrides = overrides;
    // The published token count belongs to the published model; a reshaped one is another model.
    if (totalParams(m) !== totalParams(preset)) delete m.trainingTokens;
  }
  return m;
}

/** The override fields the scenario gave that differ from the preset (undefined when none do). */
function modelOverrides(input: ScenarioInputParsed, preset: ModelSpec, m: ModelSpec): ModelOverrides | undefined {
  const given: Array<[keyof ModelOverrides, unknown]> = [
    ['layers', input.layers],
    ['hidden', input.hidden],
    ['heads', input.heads],
    ['kvHeads', input.kvHeads],
    ['ffnHidden', input.ffnHidden],
    ['ffnAct', input.ffnAct],
    ['vocab', input.vocab],
    ['tiedEmbeddings', input.tied],
    ['dropout', input.dropout],
  ];
  const out: Record<string, unknown> = {};
  for (const [key, value] of given) if (value !== undefined && value !== preset[key]) out[key] = m[key];
  return Object.keys(out).length ? (out as ModelOverrides) : undefined;
}

const divisors = (n: number): number[] => {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) if (n % i === 0) out.push(i);
  return out;
};

const listAllowed = (xs: number[], limit = 10): string =>
  xs.length > limit ? `${xs.slice(0, limit).join(', ')}, ...` : xs.join(', ');

/**
 * Refuses a model whose shape the training step model cannot run yet: its kernels, activations and
 * memory take every layer as one MHA/GQA layer with one kind of MLP. Serving models these shapes.
 */
function checkTrainable(model: ModelSpec): void {
  const parts = [
    model.mla ? 'multi-head latent attention' : '',
    model.moe && model.moe.sharedExperts > 0 ? 'shared experts' : '',
    model.moe && model.moe.denseLayers > 0 ? 'leading dense layers in an MoE model' : '',
  ].filter(Boolean);
  if (parts.length > 0) {
    throw new ClusterTwinError('unsupported', 'model', `${model.name} has ${parts.join(', ')}, which the training model does not cover yet; clustertwin serve models it`);
  }
}

/**
 * Builds and checks the execution. `tp` and `pp` must be set here; the
 * engine chooses them first when the user did not.
 */
export function resolveExecution(
  input: ScenarioInputParsed & { tp: number; pp: number },
  model: ModelSpec,
  system: SystemSpec,
): Execution {
  const { tp, pp } = input;
  const cp = input.cp ?? ExecutionDefaults.cp;
  const ep = input.ep ?? ExecutionDefaults.ep;
  const mbs = input.mbs ?? ExecutionDefaults.mbs;
  const seq = input.seq ?? model.maxSeq ?? ExecutionDefaults.seq;
  const vp = input.vp ?? ExecutionDefaults.vp;

  checkTrainable(model);
  if (model.heads % tp !== 0) {
    throw invalid('tp', `TP ${tp} must divide the model's ${model.heads} attention heads; allowed: ${listAllowed(divisors(model.heads).filter((d) => model.kvHeads % d === 0))}`);
  }
  if (model.kvHeads % tp !== 0) {
    throw invalid('tp', `TP ${tp} must divide the model's ${model.kvHeads} KV heads; allowed: ${listAllowed(divisors(model.kvHeads))}`);
  }
  if (model.ffnHidden % tp !== 0) throw invalid('tp', `TP ${tp} must divide the FFN hidden size ${model.ffnHidden}`);
  if (pp > model.layers) throw invalid('pp', `PP ${pp} exceeds the model's ${model.layers} layers`);

  const modelParallel = tp * pp * cp;
  let gpus = input.gpus;
  const perNode = system.node.gpusPerNode;
  let dp = input.dp;
  if (gpus === undefined && dp === undefined) throw invalid('gpus', 'give --gpus (or --dp)');
  if (gpus === undefined) gpus = modelParallel * (dp as number);
  if (gpus > BOUNDS.gpus.max) throw new ClusterTwinError('out_of_range', input.gpus === undefined ? 'dp' : 'gpus', `${gpus.toLocaleString('en-US')} GPUs; expected ${rangeText(BOUNDS.gpus)}`);
  if (gpus % modelParallel !== 0) {
    throw new ClusterTwinError('not_divisible', 'gpus', `${gpus} GPUs are not divisible by TP x PP x CP = ${tp} x ${pp} x ${cp} = ${modelParallel}`);
  }
  // A job takes whole nodes (or part of one): 8 GPUs on 3-GPU nodes would be 3 nodes with one a third used.
  if (gpus > perNode && gpus % perNode !== 0) {
    throw new ClusterTwinError('not_divisible', 'gpus', `${gpus} GPUs are not whole nodes of ${perNode} (${system.name}); use a multiple of ${perNode}, or at most ${perNode}`);
  }
  if (dp === undefined) dp = gpus / modelParallel;
  else if (dp * modelParallel !== gpus) {
    throw new ClusterTwinError('not_divisible', 'dp', `DP ${dp} x TP ${tp} x PP ${pp} x CP ${cp} = ${dp * modelParallel}, but --gpus is ${gpus}`);
  }

  if (cp > 1 && seq % (2 * cp) !== 0) throw invalid('cp', `sequence length ${seq} must be divisible by 2 x CP = ${2 * cp} (load-balanced ring attention)`);
  if (ep > 1 && !model.moe) throw invalid('ep', `expert parallelism needs a mixture-of-experts model; ${model.name} has no experts`);
  if (model.moe && model.moe.experts % ep !== 0) throw invalid('ep', `EP ${ep} must divide the ${model.moe.experts} experts`);
  if (ep > 1 && (dp * cp) % ep !== 0) throw invalid('ep', `EP ${ep} must divide DP x CP = ${dp * cp}`);
  const etp = input.etp ?? null;
  if (etp !== null && !model.moe) throw invalid('etp', `expert tensor parallelism needs a mixture-of-experts model; ${model.name} has no experts`);
  // Megatron-Core's expert grid: ETP x EP x expert-DP fills each pipeline stage's TP x CP x DP ranks.
  if (etp !== null && (tp * cp * dp) % (etp * ep) !== 0) throw invalid('etp', `ETP ${etp} x EP ${ep} must divide TP x CP x DP = ${tp * cp * dp}`);
  if (etp !== null && model.moe && expertFfnHidden(model) % etp !== 0) throw invalid('etp', `ETP ${etp} must divide the expert FFN hidden size ${expertFfnHidden(model)}`);

  const seqTokens = seq;
  let gbs = input.gbs;
  if (gbs === undefined) {
    // About 4M tokens per step, rounded up to whole micro-batches on every replica.
    const unit = mbs * dp;
    gbs = unit * Math.max(1, Math.ceil(2 ** 22 / seqTokens / unit));
  }
  if (gbs % (mbs * dp) !== 0) {
    throw new ClusterTwinError('not_divisible', 'gbs', `global batch ${gbs} is not divisible by micro-batch x DP = ${mbs} x ${dp} = ${mbs * dp}`);
  }
  const microbatches = gbs / (mbs * dp);
  if (pp * vp * microbatches > MAX_PIPELINE_PASSES) {
    throw new ClusterTwinError(
      'out_of_range',
      'gbs',
      `${microbatches.toLocaleString('en-US')} micro-batches per pipeline x PP ${pp} x VP ${vp} is past the ${MAX_PIPELINE_PASSES.toLocaleString('en-US')} passes the step simulation takes; lower --gbs or raise --mbs`,
    );
  }

  if (vp > 1) {
    if (pp === 1) throw invalid('vp', 'virtual pipeline stages need PP > 1');
    if (microbatches % pp !== 0) {
      throw new ClusterTwinError('not_divisible', 'vp', `interleaving needs the ${microbatches} micro-batches per pipeline to be a multiple of PP ${pp}`);
    }
  }
  const layersPerStage = input.layersPerStage ?? defaultLayerSplit(model.layers, pp);
  checkLayerSplit(layersPerStage, model.layers, pp);
  if (vp > 1 && layersPerStage.some((l) => l < vp)) {
    throw invalid('vp', `every stage needs at least ${vp} layers for ${vp} virtual stages; the split is ${layersPerStage.join(', ')}`);
  }

  const zero = input.zero ?? (ExecutionDefaults.zero as Execution['zero']);
  if (zero >= 2 && pp > 1) throw invalid('zero', `ZeRO-${zero} cannot be combined with pipeline parallelism (PP ${pp}); use ZeRO 0 or 1, or PP 1`);

  const hasBf16 = system.gpu.peakTflops.bf16 !== undefined;
  const precision = input.precision ?? (hasBf16 ? ExecutionDefaults.precision : 'fp16');
  const allowed = ['fp16', ...(hasBf16 ? ['bf16'] : []), ...(system.gpu.peakTflops.fp8 !== undefined ? ['fp8'] : [])].join(', ');
  if (precision === 'fp8' && system.gpu.peakTflops.fp8 === undefined) {
    throw invalid('precision', `fp8 needs FP8 tensor cores; ${system.gpu.name} has none (allowed: ${allowed})`);
  }
  if (precision === 'bf16' && !hasBf16) {
    throw invalid('precision', `${system.gpu.name} has no bf16 tensor cores (allowed: ${allowed})`);
  }
  const { tokens, tokensSource } = runTokens(input.tokens, model);
  const kernels = input.kernels ?? ExecutionDefaults.kernels;

  return {
    gpus,
    seq,
    gbs,
    mbs,
    tp,
    pp,
    dp,
    cp,
    ep,
    etp,
    vp,
    sp: input.sp ?? tp > 1,
    zero,
    recompute: input.recompute ?? ExecutionDefaults.recompute,
    precision,
    overlap: parseOverlap(input.overlap),
    overlapInterference: input.overlapInterference ?? ExecutionDefaults.overlapInterference,
    tokens,
    tokensSource,
    layersPerStage,
    attention: input.attention ?? ExecutionDefaults.attention,
    gradReduceDtype: input.gradReduceDtype ?? ExecutionDefaults.gradReduceDtype,
    weightDtype: input.weightDtype ?? ExecutionDefaults.weightDtype,
    kernels,
    // ZeRO-3 with fp32 weights is most often FSDP1 (no param_dtype), whose weights autocast does not cache.
    autocastCache: input.autocastCache ?? (zero >= 3 ? 'none' : 'forward'),
    lossKernel: input.lossKernel ?? kernels,
    // Stacks of eager reference code step PyTorch's default (multi-tensor) AdamW; Megatron-LM and NeMo a fused Adam.
    optimizerKernel: input.optimizerKernel ?? (kernels === 'eager' ? 'foreach' : 'fused'),
    fp8Overheads: input.fp8Overheads ?? ExecutionDefaults.fp8Overheads,
    fp8Recipe: input.fp8Recipe ?? ExecutionDefaults.fp8Recipe,
    fp8AmaxReduction: input.fp8AmaxReduction ?? ExecutionDefaults.fp8AmaxReduction,
    // Megatron-Bridge's and NeMo 2.3's userbuffers configurations: ring exchange for FP8, the pipeline for 16 bits.
    tpOverlapReduceScatter: input.tpOverlapReduceScatter ?? (precision === 'fp8' ? 'ring-exchange' : 'pipeline'),
    powerClock: input.powerClock ?? ExecutionDefaults.powerClock,
    hostOverhead: input.hostOverhead ?? ExecutionDefaults.hostOverhead,
    rankVariation: input.rankVariation ?? ExecutionDefaults.rankVariation,
    tpAsyncAllreduce: input.tpAsyncAllreduce ?? ExecutionDefaults.tpAsyncAllreduce,
    gradBuffer: input.gradBuffer ?? ExecutionDefaults.gradBuffer,
    microbatches,
    network: input.network ?? ExecutionDefaults.network,
    zeroBucketParams: input.zeroBucketParams ?? ExecutionDefaults.zeroBucketParams,
  };
}

export function scenarioSystem(input: ScenarioInputParsed, catalog: PresetCatalog): SystemSpec {
  return resolveSystem(catalog, input.system ?? 'ndm-a100-v4', 'system');
}
