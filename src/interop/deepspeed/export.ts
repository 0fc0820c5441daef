/**
 * A resolved scenario to a DeepSpeed v0.19.5 ds_config.json. ds_config holds the batch, ZeRO, precision
 * and the AutoTP/AutoEP degrees; the model, sequence length, recompute policy, kernels and step count
 * belong to the user's training script, and pipeline stages to its PipelineModule, so a twin setting
 * there is named in `unsupported`, never invented. Megatron-DeepSpeed's own arguments (its TP, PP and
 * sequence parallelism) are not transcribed here.
 */
import type { Scenario } from '../../config/resolve.js';
import type { ExportedConfig, UnsupportedSetting } from '../framework-target.js';
import { DEEPSPEED_CONFIG_FLAGS, DEEPSPEED_SCRIPT, DEEPSPEED_SOURCE, DEEPSPEED_VERSION } from './options.js';

export const DEEPSPEED_CONFIG_FILE = 'ds_config.json';

/** The ds_config object and what it could not say. */
export function deepspeedConfig(s: Scenario): { config: Record<string, unknown>; unsupported: UnsupportedSetting[] } {
  const e = s.exec;
  const unsupported: UnsupportedSetting[] = [];
  const no = (setting: string, value: string, why: string) => unsupported.push({ setting, value, why });

  const config: Record<string, unknown> = {
    train_batch_size: e.gbs,
    train_micro_batch_size_per_gpu: e.mbs,
    gradient_accumulation_steps: e.microbatches,
  };

  // Precision: bf16/fp16 modes keep 16-bit weights for compute; torch_autocast keeps them fp32.
  const lowDtype = e.precision === 'fp16' ? 'float16' : 'bfloat16';
  if (e.weightDtype === 'fp32') config.torch_autocast = { enabled: true, dtype: lowDtype };
  else if (e.precision === 'fp16') config.fp16 = { enabled: true };
  else config.bf16 = { enabled: true };
  if (e.precision === 'fp8') no('precision', 'fp8', 'ds_config has no FP8 switch (FP8 comes from the model code, e.g. Transformer Engine layers); written as bf16');
  config.communication_data_type = e.gradReduceDtype;

  config.optimizer = { type: 'AdamW', params: { torch_adam: e.optimizerKernel !== 'fused' } };

  const zero: Record<string, unknown> = { stage: e.zero };
  // Without ZeRO the engine all-reduces the gradients after the backward pass (engine.allreduce_gradients).
  if (e.zero >= 1) Object.assign(zero, { overlap_comm: e.overlap.dp, contiguous_gradients: true, reduce_scatter: true });
  else if (e.overlap.dp && e.dp > 1) no('overlap', 'dp', 'without ZeRO, DeepSpeed all-reduces the gradients after the backward pass; overlap_comm belongs to ZeRO stages 1-3');
  if (e.zero === 3) {
    if (e.zeroBucketParams > 0) {
      zero.stage3_prefetch_bucket_size = e.zeroBucketParams;
      zero.reduce_bucket_size = e.zeroBucketParams;
    } else no('zeroBucketParams', '0', 'DeepSpeed buckets ZeRO-3 traffic by element count; it has no one-layer-a-call unit (FSDP\'s); its defaults apply (prefetch 5e7, reduce 5e8)');
  }
  config.zero_optimization = zero;

  if (e.tp > 1) {
    config.tensor_parallel = { autotp_size: e.tp, tp_overlap_comm: e.overlap.tp };
    if (e.sp) no('sp', 'true', 'AutoTP all-reduces the layer outputs; it has no sequence parallelism (Megatron-DeepSpeed\'s --sequence-parallel is not transcribed)');
  }
  if (e.pp > 1) no('pp', String(e.pp), 'pipeline stages are built in code (deepspeed.pipe.PipelineModule num_stages), not in ds_config; Megatron-DeepSpeed\'s --pipeline-model-parallel-size is not transcribed');
  if (e.cp > 1) no('cp', String(e.cp), 'ds_config has no ring context parallelism (its sequence parallelism is Ulysses all-to-all over heads)');
  if (e.ep > 1) {
    config.expert_parallel = { enabled: true, autoep_size: e.ep, expert_tensor_parallel_size: 1 };
    if (e.etp !== 1) no('etp', e.etp === null ? 'unset' : String(e.etp), 'AutoEP accepts expert_tensor_parallel_size 1 only; written as 1');
  }
  if (e.recompute !== 'none') no('recompute', e.recompute, 'ds_config does not choose what to recompute: the model code calls deepspeed.checkpointing.checkpoint (or Hugging Face gradient_checkpointing_enable())');
  if (e.gradBuffer === 'megatron') no('gradBuffer', 'megatron', 'the passes are Megatron DDP\'s, not DeepSpeed\'s');
  return { config, unsupported };
}

/** The ds_config.json and the command line of the training script that reads it. */
export function exportDeepspeed(s: Scenario): ExportedConfig {
  const { config, unsupported } = deepspeedConfig(s);
  return {
    format: 'deepspeed',
    version: DEEPSPEED_VERSION,
    source: DEEPSPEED_SOURCE,
    command: [DEEPSPEED_SCRIPT, DEEPSPEED_CONFIG_FLAGS[0], DEEPSPEED_CONFIG_FLAGS[1], DEEPSPEED_CONFIG_FILE],
    files: [{ path: DEEPSPEED_CONFIG_FILE, text: `${JSON.stringify(config, null, 2)}\n` }],
    unsupported,
  };
}
