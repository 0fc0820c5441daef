/**
 * A torchtitan v0.2.2 job TOML to the flat scenario a user writes (docs/interop/torchtitan.md has the
 * table). The file says nothing of the machine: `system` is left to the user, and `gpus` comes from
 * the degrees when they are all given, else from `options.gpus` (torchrun's world size).
 */
import { ClusterTwinError } from '../../errors.js';
import type { ImportedScenario } from '../framework-target.js';
import { chunkLayers } from '../../parallel/stage-split.js';
import { PIPELINE_SCHEDULES_SINGLE, TORCHTITAN_FLAVORS, TORCHTITAN_KEYS } from './options.js';
import { layersOfModuleFqns, rankLayersOfStages, torchtitanStageLayers } from './pipeline-split.js';
import { flattenTable, JobTable, parseToml } from './toml-table.js';

export interface TorchtitanImportOptions {
  /** The job's world size (torchrun's nnodes x nproc_per_node), needed when data_parallel_shard_degree is -1. */
  gpus?: number;
}

/** Why a section's keys do not change the twin's answer. */
const IGNORED_SECTIONS: Record<string, string> = {
  job: 'paths and descriptions of the job',
  profiling: 'profiling does not change the modelled step',
  metrics: 'logging does not change the modelled step',
  optimizer: 'optimizer hyperparameters do not change the step time',
  lr_scheduler: 'the learning-rate schedule does not change the step time',
  checkpoint: 'checkpointing is outside the modelled step (the reliability model counts its own)',
  comm: 'timeouts and trace buffers',
  validation: 'validation runs are outside the modelled training step',
  debug: 'seeds and determinism switches',
  experimental: 'custom imports',
  memory_estimation: 'a memory estimator run, not training',
  'training.dataloader': 'host-side data loading is not modelled',
};

const unsupported = (key: string, detail: string): ClusterTwinError => new ClusterTwinError('unsupported', key, detail);

/** Parses a torchtitan job TOML and maps it to a scenario. */
export function importTorchtitanToml(text: string, sourceName: string, options: TorchtitanImportOptions = {}): ImportedScenario {
  return importTorchtitanTable(parseToml(text, sourceName), options);
}

/** Maps an already parsed torchtitan job table (as smol-toml returns it) to a scenario. */
export function importTorchtitanTable(table: Record<string, unknown>, options: TorchtitanImportOptions = {}): ImportedScenario {
  const t = new JobTable(flattenTable(table));
  const scenario: Record<string, unknown> = {};
  const mapped: ImportedScenario['mapped'] = [];
  const ignored: ImportedScenario['ignored'] = [];
  const set = (field: string, value: unknown, ...from: string[]) => {
    scenario[field] = value;
    for (const option of from) mapped.push({ option, field });
  };
  const note = (option: string, why: string) => ignored.push({ option, why });

  // Model: a flavor the twin has a preset of the same shape for.
  const name = t.str('model.name', 'llama3');
  const flavorName = t.str('model.flavor', 'debugmodel');
  const flavor = TORCHTITAN_FLAVORS.find((f) => f.name === name && f.flavor === flavorName);
  if (!flavor) {
    const known = TORCHTITAN_FLAVORS.map((f) => `${f.name}/${f.flavor}`).join(', ');
    throw unsupported('model.flavor', `${name}/${flavorName} has no twin model preset; known: ${known} (or give the model with --model)`);
  }
  set('model', flavor.preset, 'model.name', 'model.flavor');

  // Parallel degrees (ParallelDims._validate: every degree >= 1, dp_shard -1 or >= 1).
  const tp = t.int('parallelism.tensor_parallel_degree', 1);
  const pp = t.int('parallelism.pipeline_parallel_degree', 1);
  const cp = t.int('parallelism.context_parallel_degree', 1);
  const ep = t.int('parallelism.expert_parallel_degree', 1);
  const etp = t.int('parallelism.expert_tensor_parallel_degree', 1);
  const replicate = t.int('parallelism.data_parallel_replicate_degree', 1);
  let shard = t.int('parallelism.data_parallel_shard_degree', -1);
  if (shard === 0) throw new ClusterTwinError('invalid_value', 'parallelism.data_parallel_shard_degree', 'must be -1 (the leftover ranks) or at least 1');
  const fixed = replicate * cp * tp * pp;
  let gpus = options.gpus;
  if (shard === -1) {
    if (gpus !== undefined) {
      if (gpus % fixed !== 0) throw new ClusterTwinError('not_divisible', 'gpus', `${gpus} GPUs are not divisible by replicate x CP x TP x PP = ${fixed}`);
      shard = gpus / fixed;
    }
  } else {
    const world = fixed * shard;
    if (gpus !== undefined && gpus !== world) throw new ClusterTwinError('invalid_value', 'gpus', `${gpus} GPUs, but the degrees multiply to ${world}`);
    gpus = world;
  }
  if (gpus !== undefined) set('gpus', gpus, 'parallelism.data_parallel_shard_degree');
  set('tp', tp, 'parallelism.tensor_parallel_degree');
  set('pp', pp, 'parallelism.pipeline_parallel_degree');
  set('cp', cp, 'parallelism.context_parallel_degree');
  if (ep > 1) {
    if (etp !== 1 && etp !== tp) throw new ClusterTwinError('invalid_value', 'parallelism.expert_tensor_parallel_degree', `must be 1 or the TP degree ${tp} (torchtitan v0.2.2 supports only these)`);
    set('ep', ep, 'parallelism.expert_parallel_degree');
    // torchtitan's ETP=1 spreads EP over DP, CP and TP ranks; ETP=TP over DP and CP: the twin's expert grid either way.
    set('etp', etp, 'parallelism.expert_tensor_parallel_degree');
  }
  const dp = shard === -1 ? undefined : replicate * shard;
  // -1 left unresolved (no world size): FSDP over whatever is left, assumed more than one rank.
  const sharded = shard === -1 || shard > 1;
  const fsdp = sharded || cp > 1;
  // The twin runs ZeRO-3 without PP only; under PP, FSDP2 keeps the gathered weights through the
  // schedule ("default" reshard policy), and ZeRO-1 (states sharded, weights whole) stands in.
  const zero = sharded ? (pp > 1 ? 1 : 3) : 0;
  set('zero', zero, 'parallelism.data_parallel_shard_degree', 'parallelism.data_parallel_replicate_degree');
  if (zero === 3) set('zeroBucketParams', 0, 'parallelism.data_parallel_shard_degree');
  if (zero === 1) note('parallelism.data_parallel_shard_degree', 'approximated: FSDP with PP is modelled as ZeRO-1 (the twin does not combine ZeRO-3 with PP): optimizer states sharded, weights and gradients whole');
  if (sharded && replicate > 1) note('parallelism.data_parallel_replicate_degree', `approximated: HSDP (${replicate} replicas of ${shard === -1 ? 'the leftover' : shard}-way shards) is modelled as FSDP over all ${dp ?? 'the'} data-parallel ranks; the twin has no replicate groups`);
  if (!sharded && cp > 1) note('parallelism.context_parallel_degree', 'approximated: torchtitan also shards the weights over the CP ranks (FSDP over CP); the twin keeps them whole');
  const reshard = t.str('parallelism.fsdp_reshard_after_forward', 'default');
  if (reshard === 'never' && sharded) note('parallelism.fsdp_reshard_after_forward', 'approximated: "never" keeps gathered weights for the backward pass; the twin gathers every layer again');

  // Batch (Trainer.__init__: global = local x batch degree x accumulation; PP splits local into micro-batches).
  const seq = t.int('training.seq_len', 2048);
  const local = t.int('training.local_batch_size', 8);
  const global = t.int('training.global_batch_size', -1);
  if (global === 0) throw new ClusterTwinError('invalid_value', 'training.global_batch_size', 'must be -1 or at least 1');
  let mbs = local;
  if (pp > 1) {
    mbs = t.int('parallelism.pipeline_parallel_microbatch_size', 1);
    if (local % mbs !== 0) throw new ClusterTwinError('not_divisible', 'parallelism.pipeline_parallel_microbatch_size', `local_batch_size ${local} is not divisible by the micro-batch size ${mbs}`);
  }
  let gbs: number | undefined = global > 0 ? global : undefined;
  if (gbs === undefined) {
    if (dp === undefined) throw new ClusterTwinError('invalid_value', 'gpus', 'global_batch_size -1 is local_batch_size x the data-parallel degree, which needs the job\'s GPU count (data_parallel_shard_degree is -1); give --gpus');
    gbs = local * dp;
  }
  if (dp !== undefined && gbs % (local * dp) !== 0) throw new ClusterTwinError('not_divisible', 'training.global_batch_size', `${gbs} is not a multiple of local_batch_size x data-parallel degree = ${local} x ${dp}`);
  if (pp > 1 && dp !== undefined && gbs / (local * dp) > 1) note('training.global_batch_size', 'approximated: torchtitan runs the pipeline schedule once per accumulation step (a flush each); the twin runs all micro-batches as one schedule');
  set('seq', seq, 'training.seq_len');
  set('mbs', mbs, pp > 1 ? 'parallelism.pipeline_parallel_microbatch_size' : 'training.local_batch_size');
  set('gbs', gbs, 'training.global_batch_size', 'training.local_batch_size');
  const steps = t.int('training.steps', 10000);
  set('tokens', steps * gbs * seq, 'training.steps');

  // Pipeline stages (pipeline_llm and generate_llm_fqn_per_model_part).
  if (pp > 1) {
    const schedule = t.str('parallelism.pipeline_parallel_schedule', '1F1B');
    if (schedule !== '1F1B' && schedule !== 'Interleaved1F1B') throw unsupported('parallelism.pipeline_parallel_schedule', `${schedule} has no twin schedule; the twin runs 1F1B and Interleaved1F1B`);
    const single = (PIPELINE_SCHEDULES_SINGLE as readonly string[]).includes(schedule);
    const inW = t.int('parallelism.pipeline_parallel_first_stage_less_layers', 1);
    const outW = t.int('parallelism.pipeline_parallel_last_stage_less_layers', 1);
    const perStage = t.optionalInt('parallelism.pipeline_parallel_layers_per_stage');
    const fqns = t.any('parallelism.module_fqns_per_model_part');
    let stages: number;
    if (fqns !== undefined) stages = Array.isArray(fqns) ? fqns.length : 0;
    else if (perStage !== undefined) stages = Math.ceil((flavor.layers + inW + outW) / perStage);
    else stages = pp * (single ? 1 : 2);
    const key = fqns !== undefined ? 'parallelism.module_fqns_per_model_part' : 'parallelism.pipeline_parallel_layers_per_stage';
    if (stages % pp !== 0) throw new ClusterTwinError('not_divisible', key, `${stages} stages are not divisible by PP ${pp}`);
    const vp = stages / pp;
    if (single && vp !== 1) throw new ClusterTwinError('invalid_value', key, `${schedule} holds one stage a rank; this gives ${vp}`);
    if (!single && vp < 2) throw new ClusterTwinError('invalid_value', key, `${schedule} needs at least 2 stages a rank; this gives ${vp}`);
    const stageLayers = fqns !== undefined ? layersOfModuleFqns(fqns, flavor.layers) : torchtitanStageLayers(stages, flavor.layers, inW, outW);
    const layersPerStage = rankLayersOfStages(stageLayers, pp);
    set('layersPerStage', layersPerStage, 'parallelism.pipeline_parallel_schedule', key);
    if (vp > 1) set('vp', vp, 'parallelism.pipeline_parallel_schedule');
    const evenChunks = layersPerStage.every((l, r) => chunkLayers(l, vp).every((c, i) => c === stageLayers[r + i * pp]));
    if (!evenChunks) note(key, 'approximated: the twin splits each rank\'s layers evenly over its virtual stages; this file splits them otherwise');
  }

  // Activation checkpointing (activation_checkpoint.py: "op" is per-op SAC, an integer N wraps every Nth block).
  const mode = t.str('activation_checkpoint.mode', 'selective');
  if (mode === 'none' || mode === 'full') set('recompute', mode, 'activation_checkpoint.mode');
  else if (mode === 'memory_budget') throw unsupported('activation_checkpoint.mode', 'memory_budget (the compiler chooses what to save) has no twin recompute mode; allowed: none, full, selective with "op"');
  else {
    const option = t.str('activation_checkpoint.selective_ac_option', '2');
    if (option === 'op') set('recompute', 'selective-op', 'activation_checkpoint.mode', 'activation_checkpoint.selective_ac_option');
    else if (option === '1') set('recompute', 'full', 'activation_checkpoint.mode', 'activation_checkpoint.selective_ac_option');
    else throw unsupported('activation_checkpoint.selective_ac_option', `"${option}" (checkpoint every ${option}th layer) has no twin recompute mode; allowed: "op", "1" (every layer, as full), or mode none/full`);
  }

  // Precision: the float8/mx converters, else the mixed-precision dtype.
  const converters = t.list('model.converters', []);
  const linearFp8 = converters.includes('quantize.linear.float8') || converters.includes('float8');
  const linearMx = converters.includes('quantize.linear.mx');
  for (const c of converters) {
    if (c === 'float8') note('model.converters', 'read "float8" as quantize.linear.float8: the converter was renamed before v0.2.2 (#1763), whose registry knows only the new name');
    else if (c.startsWith('quantize.grouped_mm.')) note('model.converters', `approximated: ${c} quantizes the MoE grouped GEMMs; the twin's precision applies to every GEMM alike`);
    else if (c !== 'quantize.linear.float8' && c !== 'quantize.linear.mx') throw new ClusterTwinError('invalid_value', 'model.converters', `"${c}" is not a converter torchtitan v0.2.2 registers; known: quantize.linear.float8, quantize.linear.mx, quantize.grouped_mm.float8, quantize.grouped_mm.mx`);
  }
  const param = t.str('training.mixed_precision_param', 'bfloat16');
  t.str('training.mixed_precision_reduce', 'float32');
  if (t.str('training.dtype', 'float32') === 'bfloat16') throw unsupported('training.dtype', 'bfloat16 keeps no fp32 master weights or states; the twin counts fp32 master weights and Adam states');
  if (t.bool('training.enable_cpu_offload', false)) throw unsupported('training.enable_cpu_offload', 'CPU offload of parameters and optimizer states is not modelled');
  if (param === 'float32') throw unsupported('training.mixed_precision_param', 'float32 trains the GEMMs in fp32; the twin models bf16, fp16 and fp8 GEMMs');
  if (!fsdp && (tp > 1 || pp > 1)) throw unsupported('training.mixed_precision_param', 'without FSDP or CP, torchtitan disables mixed precision under TP or PP (maybe_enable_amp) and trains in fp32, which the twin does not model');
  if (linearFp8 || linearMx) {
    set('precision', 'fp8', 'model.converters');
    if (linearMx) {
      set('fp8Recipe', 'mxfp8', 'model.converters', 'quantize.linear.mx.recipe_name');
      const recipe = t.str('quantize.linear.mx.recipe_name', 'mxfp8_cublas');
      if (recipe !== 'mxfp8_cublas') note('quantize.linear.mx.recipe_name', `approximated: ${recipe} is costed as the twin's mxfp8 (1x32 block scales)`);
    } else {
      const recipe = t.str('quantize.linear.float8.recipe_name', undefined);
      // torchao's tensorwise recipe takes each tensor's amax at every cast: the twin's "current" scaling.
      set('fp8Recipe', 'current', 'model.converters', 'quantize.linear.float8.recipe_name');
      if (recipe !== undefined && recipe !== 'tensorwise') note('quantize.linear.float8.recipe_name', `approximated: ${recipe} scaling (an amax per row) is costed as per-tensor current scaling`);
    }
    if (t.bool('quantize.linear.float8.enable_fsdp_float8_all_gather', false) && linearFp8) note('quantize.linear.float8.enable_fsdp_float8_all_gather', 'approximated: the twin gathers 16-bit weights under ZeRO-3; float8 gathers move half the bytes');
  } else set('precision', 'bf16', 'training.mixed_precision_param');
  // FSDP2 casts to param_dtype; without FSDP torch.autocast casts the fp32 weights at every use.
  set('weightDtype', fsdp ? 'bf16' : 'fp32', 'training.mixed_precision_param');
  set('gradReduceDtype', 'fp32', 'training.mixed_precision_reduce');

  // Kernels: eager PyTorch unless the model is compiled; the loss always upcasts the logits.
  const compiled = t.bool('compile.enable', false) && t.list('compile.components', ['model', 'loss']).includes('model');
  set('kernels', compiled ? 'fused' : 'eager', 'compile.enable', 'compile.components');
  set('lossKernel', 'eager', 'compile.components');
  const impl = t.str('optimizer.implementation', 'fused');
  set('optimizerKernel', impl === 'fused' ? 'fused' : 'foreach', 'optimizer.implementation');
  if (impl === 'for-loop') note('optimizer.implementation', 'approximated: for-loop (one tensor at a time) is costed as foreach');
  set('attention', 'flash', 'model.flavor');

  // Overlap: async TP needs torch.compile; FSDP2 prefetches and DDP buckets overlap the backward pass.
  const asyncTp = t.bool('parallelism.enable_async_tensor_parallel', false);
  if (asyncTp && !compiled) note('parallelism.enable_async_tensor_parallel', 'without torch.compile of the model, async TP takes no effect (JobConfig)');
  set('overlap', { tp: asyncTp && compiled && tp > 1, dp: true, pp: true }, 'parallelism.enable_async_tensor_parallel');
  set('sp', tp > 1, 'parallelism.tensor_parallel_degree');

  const unknown: string[] = [];
  for (const key of t.values.keys()) {
    if (!TORCHTITAN_KEYS.has(key)) {
      unknown.push(key);
      continue;
    }
    if (t.read.has(key)) continue;
    const section = Object.keys(IGNORED_SECTIONS).find((s) => key === s || key.startsWith(`${s}.`));
    ignored.push({ option: key, why: section ? IGNORED_SECTIONS[section] : notModelled(key) });
  }
  return { scenario, mapped, ignored, unknown };
}

/** Why a known key outside the ignored sections is not read. */
function notModelled(key: string): string {
  if (key.startsWith('training.')) return 'data set, clipping and garbage-collection settings do not change the modelled step';
  if (key.startsWith('parallelism.')) return 'read only where it applies (a PP, EP or FSDP setting with that parallelism off), or not modelled';
  if (key.startsWith('quantize.')) return 'applies only with its converter in model.converters';
  if (key.startsWith('activation_checkpoint.')) return 'a switch of a mode not chosen, or of checkpointing internals';
  return 'not modelled by the twin';
}
