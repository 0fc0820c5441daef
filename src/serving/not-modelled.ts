/** What the serving simulation leaves out, for `serve --json`'s `notModelled` and the README. */
export const NOT_MODELLED: readonly string[] = [
  'prefix caching: every prompt is prefilled in full (no shared-prefix hits)',
  'swap preemption: preempted requests always recompute (vLLM V1 only recomputes)',
  'speculative decoding: each step decodes one token per request',
  'disaggregated prefill and decode pools and their KV transfer',
  'multiple partial prefills and long-prefill thresholds (vLLM max_num_partial_prefills, long_prefill_token_threshold)',
  'the KV watermark vLLM V0 kept free, and any allocator fragmentation beyond whole blocks',
  'request priorities, cancellation, timeouts and the API server\'s tokenization and streaming time',
  'asynchronous scheduling: the scheduler\'s host time is part of the step model, not overlapped here',
  'stop conditions: each request produces exactly its output length (no early end-of-sequence)',
];
