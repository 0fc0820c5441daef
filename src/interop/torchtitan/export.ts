/**
 * A resolved scenario to a torchtitan v0.2.2 job TOML and its command line. Every degree is written
 * out (no -1), so the file alone gives the world size; a twin setting torchtitan has no option for is
 * listed in `unsupported` with what the file does instead.
 */
import { stringify } from 'smol-toml';
import type { Scenario } from '../../config/resolve.js';
import type { ModelSpec } from '../../config/model-schema.js';
import type { ExportedConfig, UnsupportedSetting } from '../framework-target.js';
import { TORCHTITAN_CONFIG_FLAG, TORCHTITAN_ENTRY, TORCHTITAN_FLAVORS, TORCHTITAN_SOURCE, TORCHTITAN_VERSION, type TorchtitanFlavor } from './options.js';
import { moduleFqnsForSplit } from './pipeline-split.js';

export const TORCHTITAN_JOB_FILE = 'job.toml';

/** The torchtitan flavor that builds this model's shape, if any. */
export function torchtitanFlavorOf(m: ModelSpec): TorchtitanFlavor | undefined {
  if (m.mla || (m.moe && (m.moe.sharedExperts > 0 || m.moe.denseLayers > 0))) return undefined;
  const ffn = m.moe?.expertFfnHidden ?? m.ffnHidden;
  return TORCHTITAN_FLAVORS.find(
    (f) =>
      f.layers === m.layers && f.hidden === m.hidden && f.heads === m.heads && f.kvHeads === m.kvHeads && f.ffnHidden === ffn && f.vocab === m.vocab &&
      f.experts === m.moe?.experts && f.topK === m.moe?.topK,
  );
}

/** The job table (TOML sections as nested objects) and what it could not say. */
export function torchtitanJob(s: Scenario): { table: Record<string, Record<string, unknown>>; unsupported: UnsupportedSetting[] } {
  const { exec: e, model: m } = s;
  const unsupported: UnsupportedSetting[] = [];
  const no = (setting: string, value: unknown, why: string) => unsupported.push({ setting, value: typeof value === 'string' ? value : JSON.stringify(value), why });

  const flavor = torchtitanFlavorOf(m);
  const model: Record<string, unknown> = {};
  if (flavor) {
    model.name = flavor.name;
    model.flavor = flavor.flavor;
  } else no('model', m.name, 'no torchtitan v0.2.2 flavor has this shape; register its model args and set [model] name and flavor');
  if (flavor?.name === 'qwen3' && e.pp > 1) no('pp', String(e.pp), 'torchtitan v0.2.2 has no pipelining function for qwen3 (its TrainSpec sets pipelining_fn=None)');

  // Data parallelism: FSDP2 shards (ZeRO-3), DDP replicates; nothing in between.
  // Written as FSDP2 whenever it shards (zero >= 1 over more than one rank) or CP is on.
  const fsdp = (e.zero >= 1 && e.dp > 1) || e.cp > 1;
  let replicate = e.dp;
  let shard = 1;
  if (e.zero >= 1) {
    replicate = 1;
    shard = e.dp;
  }
  if (e.zero === 1 || e.zero === 2) no('zero', String(e.zero), `torchtitan shards weights, gradients and optimizer states together (FSDP2) or nothing (DDP); written as FSDP over ${e.dp}${e.pp > 1 ? ' (which the import reads back as ZeRO-1 under PP)' : ''}`);
  if (e.zero >= 1 && e.dp === 1 && e.cp === 1) no('zero', String(e.zero), 'one data-parallel rank: torchtitan applies no FSDP, so nothing is sharded (and under TP or PP it trains in fp32)');
  if (e.zero === 0 && e.cp > 1) no('zero', '0', 'with CP torchtitan always applies FSDP over the CP ranks, sharding the weights');
  if (e.zero === 0 && e.cp === 1 && (e.tp > 1 || e.pp > 1)) no('zero', '0', 'without FSDP or CP, torchtitan disables mixed precision under TP or PP and trains in fp32 (maybe_enable_amp)');
  if ((e.zero >= 1) && e.zeroBucketParams > 0) no('zeroBucketParams', String(e.zeroBucketParams), 'FSDP2 gathers one transformer block a call; it has no bucket size');

  // Batch: without PP, local_batch_size is the micro-batch; with PP, one schedule of all micro-batches.
  const local = e.pp > 1 ? e.mbs * e.microbatches : e.mbs;
  const stepTokens = e.gbs * e.seq;
  const steps = Math.max(1, Math.ceil(e.tokens / stepTokens));
  if (steps * stepTokens !== e.tokens) no('tokens', String(e.tokens), `not whole steps of ${stepTokens} tokens; training.steps rounds up to ${steps}`);

  const parallelism: Record<string, unknown> = {
    data_parallel_replicate_degree: replicate,
    data_parallel_shard_degree: shard,
    tensor_parallel_degree: e.tp,
    pipeline_parallel_degree: e.pp,
    context_parallel_degree: e.cp,
  };
  if (e.tp > 1 && !e.sp) no('sp', 'false', 'torchtitan\'s TP always shards the norms and dropouts over the sequence (sequence parallel)');
  const compiled = e.kernels === 'fused';
  if (e.tp > 1 && e.overlap.tp) {
    parallelism.enable_async_tensor_parallel = true;
    if (!compiled) no('overlap', 'tp', 'async TP takes effect only with torch.compile, which the eager kernels rule out');
  }
  if (!e.overlap.dp && e.dp > 1) no('overlap', 'no dp', 'FSDP2 prefetching and DDP buckets always overlap the gradient reduction');
  if (e.pp > 1) {
    parallelism.pipeline_parallel_schedule = e.vp > 1 ? 'Interleaved1F1B' : '1F1B';
    parallelism.pipeline_parallel_microbatch_size = e.mbs;
    parallelism.module_fqns_per_model_part = moduleFqnsForSplit(e.layersPerStage, e.vp);
    if (!e.overlap.pp) no('overlap', 'no pp', 'torch.distributed.pipelining always sends and receives asynchronously');
  }
  if (e.ep > 1) {
    parallelism.expert_parallel_degree = e.ep;
    parallelism.expert_tensor_parallel_degree = e.etp ?? 1;
    if (e.etp === null) no('etp', 'unset', 'the twin\'s legacy MoE model (experts unsplit, EP within DP) has no torchtitan layout; written as expert_tensor_parallel_degree 1');
    else if (e.etp !== 1 && e.etp !== e.tp) no('etp', String(e.etp), `torchtitan v0.2.2 takes ETP 1 or ETP = TP (${e.tp})`);
  }

  // Recompute.
  const ac: Record<string, unknown> = {};
  if (e.recompute === 'selective-op') Object.assign(ac, { mode: 'selective', selective_ac_option: 'op' });
  else if (e.recompute === 'selective') {
    ac.mode = 'none';
    no('recompute', 'selective', 'torchtitan has no attention-core recompute; its fused attention keeps no scores anyway, so mode none is written');
  } else ac.mode = e.recompute;

  // Precision.
  const training: Record<string, unknown> = { local_batch_size: local, global_batch_size: e.gbs, seq_len: e.seq, steps };
  training.mixed_precision_param = 'bfloat16';
  training.mixed_precision_reduce = 'float32';
  if (e.precision === 'fp16') no('precision', 'fp16', 'torchtitan\'s mixed_precision_param is bfloat16 or float32; written as bfloat16');
  if (e.gradReduceDtype !== 'fp32') no('gradReduceDtype', e.gradReduceDtype, 'mixed_precision_reduce takes only float32');
  if (fsdp && e.weightDtype !== 'bf16') no('weightDtype', e.weightDtype, 'FSDP2 computes from bfloat16 copies of the weights (param_dtype)');
  if (!fsdp && e.weightDtype !== 'fp32') no('weightDtype', e.weightDtype, 'without FSDP torchtitan keeps fp32 weights and autocast casts them at every use');
  if (!fsdp && e.autocastCache !== 'forward') no('autocastCache', e.autocastCache, 'torch.autocast caches the casts of fp32 leaf weights for the forward pass');
  const quantize: Record<string, unknown> = {};
  if (e.precision === 'fp8') {
    if (e.fp8Recipe === 'mxfp8') {
      model.converters = ['quantize.linear.mx'];
      quantize.linear = { mx: { recipe_name: 'mxfp8_cublas' } };
    } else {
      model.converters = ['quantize.linear.float8'];
      quantize.linear = { float8: { recipe_name: 'tensorwise' } };
      if (e.fp8Recipe === 'delayed') no('fp8Recipe', 'delayed', 'torchao float8 training has no delayed scaling; written as tensorwise (per-tensor scaling at each cast, the twin\'s current)');
    }
  }

  // Kernels and host.
  const compile: Record<string, unknown> = { enable: compiled, components: ['model', 'loss'] };
  if (e.lossKernel === 'fused') no('lossKernel', 'fused', 'torchtitan\'s cross entropy upcasts the logits to fp32 before log_softmax (the twin\'s eager loss)');
  if (e.attention !== 'flash') no('attention', e.attention, 'torchtitan runs PyTorch SDPA or FlexAttention, both fused (the twin\'s flash)');
  if (e.hostOverhead === 'cuda-graphs') no('hostOverhead', 'cuda-graphs', 'torchtitan v0.2.2 has no CUDA-graph option');
  if (e.gradBuffer === 'megatron') no('gradBuffer', 'megatron', 'the passes are Megatron DDP\'s; FSDP2 and PyTorch DDP make none of them');

  const table: Record<string, Record<string, unknown>> = {
    job: { description: `clustertwin export: ${m.name} on ${e.gpus} x ${s.system.gpu.name}` },
    model,
    optimizer: { implementation: e.optimizerKernel === 'fused' ? 'fused' : 'foreach' },
    training,
    parallelism,
    activation_checkpoint: ac,
    compile,
  };
  if (Object.keys(quantize).length) table.quantize = quantize;
  return { table, unsupported };
}

/** The torchtitan job file and the command that reads it. */
export function exportTorchtitan(s: Scenario): ExportedConfig {
  const { table, unsupported } = torchtitanJob(s);
  const header = [
    `# torchtitan job for ${TORCHTITAN_VERSION}, written by clustertwin export.`,
    `# Launch as: torchrun <${s.exec.gpus} processes in all> ${TORCHTITAN_ENTRY.join(' ')} ${TORCHTITAN_CONFIG_FLAG} ${TORCHTITAN_JOB_FILE}`,
    '',
  ].join('\n');
  return {
    format: 'torchtitan',
    version: TORCHTITAN_VERSION,
    source: TORCHTITAN_SOURCE,
    command: [...TORCHTITAN_ENTRY, TORCHTITAN_CONFIG_FLAG, TORCHTITAN_JOB_FILE],
    files: [{ path: TORCHTITAN_JOB_FILE, text: `${header}${stringify(table)}\n` }],
    unsupported,
  };
}
