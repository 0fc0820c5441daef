/**
 * The serving frameworks the twin knows, as what their schedulers do by default: the policy that
 * builds each step and the limits it runs under. Everything else (kernels, memory) is the step
 * model's and shared. Defaults are the frameworks' own, read from their source, each cited below;
 * an explicit `--policy`, `--max-batch` or `--max-batched-tokens` overrides them.
 */
import type { GpuSpec } from '../config/system-schema.js';
import type { SchedulerPolicy } from './scheduler.js';

export const FRAMEWORKS = ['vllm', 'sglang', 'trtllm'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** A framework's scheduler defaults on one GPU. */
export interface FrameworkDefaults {
  policy: SchedulerPolicy;
  /** Most tokens one step processes. */
  maxBatchedTokens: number;
  /** Most requests running at once on a replica. */
  maxBatch: number;
  /** Where the figures come from. */
  source: string;
}

/**
 * vLLM V1 (chunked prefill always on) as `vllm serve` runs it: max_num_batched_tokens 8192 and
 * max_num_seqs 1024 on GPUs of 70 GiB or more other than A100, 2048 and 256 otherwise
 * (vllm/engine/arg_utils.py, EngineArgs defaults for UsageContext.OPENAI_API_SERVER; the A100
 * exception cites vLLM PR #17885).
 */
function vllm(gpu: GpuSpec): FrameworkDefaults {
  const large = gpu.hbmGiB >= 70 && !/a100/i.test(gpu.name);
  return {
    policy: 'chunked-prefill',
    maxBatchedTokens: large ? 8192 : 2048,
    maxBatch: large ? 1024 : 256,
    source: 'vLLM V1 engine defaults for the API server (vllm/engine/arg_utils.py)',
  };
}

/**
 * SGLang: a step is a prefill batch or a decode batch (enable_mixed_chunk defaults to False),
 * prefill first; chunked_prefill_size 2048 below 35 GB of GPU memory, 8192 up to 160 GB, 16384
 * above (sglang/srt/server_args.py). max_running_requests is sized from the KV pool when unset;
 * the twin lets the KV budget be that limit (a cap of 4096 requests).
 */
function sglang(gpu: GpuSpec): FrameworkDefaults {
  const mb = gpu.hbmGiB * 1024;
  return {
    policy: 'prefill-batches',
    maxBatchedTokens: mb < 35 * 1024 ? 2048 : mb < 160 * 1024 ? 8192 : 16384,
    maxBatch: 4096,
    source: 'SGLang server_args defaults (chunked_prefill_size by GPU memory, enable_mixed_chunk off)',
  };
}

/**
 * TensorRT-LLM's PyTorch LLM API (trtllm-serve): in-flight batching puts whole prompts (context
 * requests) beside decodes in one step; enable_chunked_prefill defaults to False, max_num_tokens
 * to 8192 and max_batch_size to 2048 (tensorrt_llm/llmapi/llm_args.py).
 */
function trtllm(_gpu: GpuSpec): FrameworkDefaults {
  return {
    policy: 'whole-prompt',
    maxBatchedTokens: 8192,
    maxBatch: 2048,
    source: 'TensorRT-LLM LLM API defaults (tensorrt_llm/llmapi/llm_args.py)',
  };
}

const PROFILES: Record<Framework, (gpu: GpuSpec) => FrameworkDefaults> = { vllm, sglang, trtllm };

/** The scheduler defaults of a framework on a GPU. */
export function frameworkDefaults(framework: Framework, gpu: GpuSpec): FrameworkDefaults {
  const f = PROFILES[framework];
  if (!f) throw new RangeError(`framework: expected one of ${FRAMEWORKS.join(', ')}, got ${String(framework)}`);
  return f(gpu);
}
