/**
 * A DeepSpeed v0.19.5 ds_config (parsed JSON) and the launcher's arguments to the flat scenario.
 * ds_config does not name the model, the sequence length or the recompute policy (the training script
 * does), so the scenario leaves them to the user. `argv` is the `deepspeed` launcher's command line:
 * --num_nodes and --num_gpus give the world size; the script and its --deepspeed flags are read past.
 */
import { ClusterTwinError } from '../../errors.js';
import type { ImportedScenario } from '../framework-target.js';
import { DEEPSPEED_TOP_KEYS, DEEPSPEED_ZERO_KEYS } from './options.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a documented section does not change the twin's answer. */
const IGNORED: Record<string, string> = {
  scheduler: 'the learning-rate schedule does not change the step time',
  gradient_clipping: 'clipping is one norm over the gradients, not modelled',
  steps_per_print: 'logging',
  wall_clock_breakdown: 'logging',
  tensorboard: 'logging',
  wandb: 'logging',
  csv_monitor: 'logging',
  comet: 'logging',
  comms_logger: 'logging',
  flops_profiler: 'profiling',
  activation_checkpointing: 'what is recomputed is the model code\'s choice (deepspeed.checkpointing.checkpoint); give --recompute',
  checkpoint: 'checkpoint files are outside the modelled step',
  seed: 'random seed',
  prescale_gradients: 'a scaling of the gradients, not modelled',
  gradient_predivide_factor: 'a scaling of the gradients, not modelled',
};

export function importDeepspeedConfig(json: unknown, argv: string[] = []): ImportedScenario {
  if (!isObject(json)) throw new ClusterTwinError('config_file', 'ds_config', 'expected a JSON object');
  const scenario: Record<string, unknown> = {};
  const mapped: ImportedScenario['mapped'] = [];
  const ignored: ImportedScenario['ignored'] = [];
  const unknown: string[] = [];
  const set = (field: string, value: unknown, ...from: string[]) => {
    scenario[field] = value;
    for (const option of from) mapped.push({ option, field });
  };
  // Hugging Face's Trainer fills "auto" from its own arguments before DeepSpeed sees the config.
  const noAuto = (v: unknown, key: string) => {
    if (v === 'auto') throw new ClusterTwinError('invalid_value', key, '"auto" is filled in by the Hugging Face Trainer from its arguments; give the value');
  };
  const int = (v: unknown, key: string, min: number): number | undefined => {
    noAuto(v, key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ClusterTwinError('invalid_value', key, `expected a whole number of at least ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (v: unknown, key: string): boolean | undefined => {
    noAuto(v, key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw new ClusterTwinError('invalid_value', key, `expected true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const section = (key: string): Record<string, unknown> => {
    const v = json[key];
    if (v === undefined) return {};
    if (!isObject(v)) throw new ClusterTwinError('invalid_value', key, 'expected an object');
    return v;
  };

  // The launcher: world size.
  let nodes: number | undefined;
  let perNode: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--num_nodes') nodes = int(Number(value()), '--num_nodes', 1);
    else if (flag === '--num_gpus') perNode = int(Number(value()), '--num_gpus', 1);
    else if (flag === '--deepspeed_config') value();
    else if (flag === '--deepspeed') continue;
    else if (flag.startsWith('-')) unknown.push(flag);
  }
  let gpus = perNode !== undefined ? perNode * (nodes ?? 1) : undefined;

  // Parallel degrees that ds_config carries: AutoTP and AutoEP.
  const tpSection = section('tensor_parallel');
  const tp = Math.max(1, int(tpSection.autotp_size, 'tensor_parallel.autotp_size', 0) ?? 0);
  set('tp', tp, 'tensor_parallel.autotp_size');
  set('pp', 1, 'tensor_parallel.autotp_size');
  set('sp', false, 'tensor_parallel.autotp_size');
  const epSection = section('expert_parallel');
  if (bool(epSection.enabled, 'expert_parallel.enabled')) {
    const ep = int(epSection.autoep_size, 'expert_parallel.autoep_size', 1) ?? 1;
    if ((int(epSection.expert_tensor_parallel_size, 'expert_parallel.expert_tensor_parallel_size', 1) ?? 1) !== 1) throw new ClusterTwinError('invalid_value', 'expert_parallel.expert_tensor_parallel_size', 'AutoEP accepts only 1');
    if (ep > 1) {
      set('ep', ep, 'expert_parallel.autoep_size');
      set('etp', 1, 'expert_parallel.expert_tensor_parallel_size');
    }
  }

  // Batch: DeepSpeed infers the third of train_batch_size = micro x accumulation x DP ranks.
  let tb = int(json.train_batch_size, 'train_batch_size', 1);
  let mb = int(json.train_micro_batch_size_per_gpu, 'train_micro_batch_size_per_gpu', 1);
  let gas = int(json.gradient_accumulation_steps, 'gradient_accumulation_steps', 1);
  let dp = gpus !== undefined ? gpus / tp : undefined;
  if (dp !== undefined && !Number.isInteger(dp)) throw new ClusterTwinError('not_divisible', '--num_gpus', `${gpus} GPUs are not divisible by AutoTP ${tp}`);
  if (tb !== undefined && mb !== undefined && gas !== undefined) {
    const ranks = tb / (mb * gas);
    if (!Number.isInteger(ranks)) throw new ClusterTwinError('not_divisible', 'train_batch_size', `${tb} is not micro-batch x accumulation (${mb} x ${gas}) times a whole number of ranks`);
    if (dp !== undefined && dp !== ranks) throw new ClusterTwinError('invalid_value', 'train_batch_size', `${tb} = ${mb} x ${gas} x ${ranks} ranks, but the launcher gives ${dp} data-parallel ranks`);
    dp = ranks;
  } else {
    if (dp === undefined) throw new ClusterTwinError('invalid_value', 'train_batch_size', 'with fewer than all three batch sizes given, DeepSpeed infers one from the world size; give --num_gpus (and --num_nodes)');
    if (tb === undefined) tb = (mb ?? 1) * (gas ?? 1) * dp;
    else if (mb === undefined) mb = tb / ((gas ?? 1) * dp);
    else if (gas === undefined) gas = tb / (mb * dp);
    if (!Number.isInteger(mb) || !Number.isInteger(gas)) throw new ClusterTwinError('not_divisible', 'train_batch_size', `${tb} does not divide into whole micro-batches over ${dp} data-parallel ranks`);
  }
  gpus = dp * tp;
  set('gpus', gpus, ...(perNode !== undefined ? ['--num_gpus'] : ['train_batch_size']));
  set('gbs', tb, 'train_batch_size');
  set('mbs', mb, 'train_micro_batch_size_per_gpu');

  // ZeRO.
  const z = section('zero_optimization');
  const stage = int(z.stage, 'zero_optimization.stage', 0) ?? 0;
  if (stage > 3) throw new ClusterTwinError('invalid_value', 'zero_optimization.stage', 'must be 0, 1, 2 or 3');
  set('zero', stage, 'zero_optimization.stage');
  if (stage === 3) {
    // One bucket size stands for both: the prefetch (gather) bucket, which the code defaults to 5e7.
    const prefetch = int(z.stage3_prefetch_bucket_size, 'zero_optimization.stage3_prefetch_bucket_size', 0) ?? 5e7;
    set('zeroBucketParams', prefetch, 'zero_optimization.stage3_prefetch_bucket_size');
    const reduce = int(z.reduce_bucket_size, 'zero_optimization.reduce_bucket_size', 0) ?? 5e8;
    if (reduce !== prefetch) ignored.push({ option: 'zero_optimization.reduce_bucket_size', why: `approximated: the twin uses one bucket (${prefetch} parameters) for gathers and reduce-scatters; this is ${reduce}` });
    else mapped.push({ option: 'zero_optimization.reduce_bucket_size', field: 'zeroBucketParams' });
  }
  // overlap_comm defaults on at stage 3 only (DeepSpeedZeroConfig.overlap_comm_valid); stage 0 never overlaps.
  const overlapComm = stage >= 1 && (bool(z.overlap_comm, 'zero_optimization.overlap_comm') ?? stage === 3);
  const tpOverlap = bool(tpSection.tp_overlap_comm, 'tensor_parallel.tp_overlap_comm') ?? false;
  set('overlap', { tp: tpOverlap && tp > 1, dp: overlapComm, pp: true }, 'zero_optimization.overlap_comm', 'tensor_parallel.tp_overlap_comm');
  // An offload block with device "none" (the default) offloads nothing.
  for (const key of ['offload_optimizer', 'offload_param']) {
    const o = z[key];
    if (isObject(o) && o.device !== undefined && o.device !== 'none') throw new ClusterTwinError('unsupported', `zero_optimization.${key}.device`, `offload to ${String(o.device)} is not modelled`);
  }
  if (z.cpu_offload === true) throw new ClusterTwinError('unsupported', 'zero_optimization.cpu_offload', 'CPU offload is not modelled');
  for (const key of Object.keys(z)) {
    if (!DEEPSPEED_ZERO_KEYS.has(key)) unknown.push(`zero_optimization.${key}`);
    else if (!['stage', 'stage3_prefetch_bucket_size', 'reduce_bucket_size', 'overlap_comm'].includes(key)) ignored.push({ option: `zero_optimization.${key}`, why: 'a ZeRO detail the twin does not model' });
  }

  // Precision.
  const bf16 = bool(section('bf16').enabled, 'bf16.enabled') ?? false;
  const fp16 = bool(section('fp16').enabled, 'fp16.enabled') ?? false;
  const autocast = section('torch_autocast');
  const autocastOn = bool(autocast.enabled, 'torch_autocast.enabled') ?? false;
  if ([bf16, fp16, autocastOn].filter(Boolean).length > 1) throw new ClusterTwinError('invalid_value', 'bf16', 'bf16, fp16 and torch_autocast cannot be combined');
  if (section('amp').enabled === true) throw new ClusterTwinError('unsupported', 'amp.enabled', 'Apex AMP is not modelled; use bf16, fp16 or torch_autocast');
  if (bf16) set('precision', 'bf16', 'bf16.enabled');
  else if (fp16) set('precision', 'fp16', 'fp16.enabled');
  else if (autocastOn) {
    const dtype = autocast.dtype ?? 'bfloat16';
    if (dtype !== 'bfloat16' && dtype !== 'float16') throw new ClusterTwinError('invalid_value', 'torch_autocast.dtype', 'must be "bfloat16" or "float16"');
    set('precision', dtype === 'float16' ? 'fp16' : 'bf16', 'torch_autocast.dtype');
  } else throw new ClusterTwinError('unsupported', 'bf16.enabled', 'none of bf16, fp16 or torch_autocast is on: DeepSpeed trains in fp32, which the twin does not model');
  set('weightDtype', autocastOn ? 'fp32' : 'bf16', autocastOn ? 'torch_autocast.enabled' : bf16 ? 'bf16.enabled' : 'fp16.enabled');
  const comm = json.communication_data_type;
  if (comm !== undefined && comm !== null && !['fp32', 'fp16', 'bf16'].includes(String(comm).toLowerCase())) throw new ClusterTwinError('invalid_value', 'communication_data_type', 'must be "fp32", "fp16" or "bf16"');
  // Unset: the engine reduces in the 16-bit mode's dtype, else fp32 (engine.communication_data_type).
  const gradDtype = comm ? String(comm).toLowerCase() : fp16 ? 'fp16' : bf16 ? 'bf16' : 'fp32';
  set('gradReduceDtype', gradDtype, 'communication_data_type');

  const optimizer = section('optimizer');
  const params = isObject(optimizer.params) ? optimizer.params : {};
  if (optimizer.type !== undefined && !['adam', 'adamw'].includes(String(optimizer.type).toLowerCase())) ignored.push({ option: 'optimizer.type', why: `approximated: ${String(optimizer.type)} is costed as Adam (the twin's optimizer step)` });
  set('optimizerKernel', params.torch_adam === true ? 'foreach' : 'fused', 'optimizer.params.torch_adam');

  for (const key of Object.keys(json)) {
    if (!DEEPSPEED_TOP_KEYS.has(key)) unknown.push(key);
    else if (IGNORED[key]) ignored.push({ option: key, why: IGNORED[key] });
  }
  if (int(json.sequence_parallel_size, 'sequence_parallel_size', 1) !== undefined && (json.sequence_parallel_size as number) > 1) {
    throw new ClusterTwinError('unsupported', 'sequence_parallel_size', 'DeepSpeed-Ulysses sequence parallelism (all-to-all over heads) is not the twin\'s ring context parallelism');
  }
  return { scenario, mapped, ignored, unknown };
}
