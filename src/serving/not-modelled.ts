/** What the serving step model leaves out (one forward pass of a replica). */
export const STEP_NOT_MODELLED: readonly string[] = [
  'pipeline parallelism runs one micro-batch through the stages in turn: a step is the sum over stages, with no pipelining of micro-batches',
  'context parallelism',
  'sliding-window or sink attention: every layer attends to the full context',
  "multi-head latent attention's kernels at their own efficiency: FlashMLA (decode over the latents) and the prefill attention run at FlashAttention 2's rate; DeepSeek's multi-token-prediction module is not served",
  'attention data parallelism as one scheduler: a step\'s requests are dealt round-robin over the attention ranks (the busiest sets the time), each rank\'s cache is its share of the replica\'s, and the embedding and logits stay split over the whole TP group',
  'shared experts run tensor-parallel over the TP group and join the MoE reduction with no collective of their own; group-limited routing (DeepSeek-V3 n_group, topk_group) is taken as plain top-k',
  'computation overlapped with communication (TP all-reduces and EP all-to-alls are exposed), and custom one-shot all-reduce kernels',
  'host time overlapped with the GPU (async scheduling): the scheduler time per step is added, and it is a stated default, not a measurement',
  'expert load imbalance: tokens are spread evenly over the experts they touch',
  'speculative decoding, LoRA adapters and structured output',
  'the detokenizer, the HTTP server and network time to the client',
  'GPU clock and power limits under sustained decode',
];

/** The line for prefix caching when it is off (serve puts its own in when it is on). */
export const PREFIX_CACHING_OFF = 'prefix caching: every prompt is prefilled in full (no shared-prefix hits; serve --prefix-cache models one prefix shared by every prompt)';

/** What the serving simulation leaves out (requests, batching, routing). */
export const SIMULATION_NOT_MODELLED: readonly string[] = [
  PREFIX_CACHING_OFF,
  'swap preemption: preempted requests always recompute (vLLM V1 only recomputes)',
  'speculative decoding: each step decodes one token per request',
  'disaggregated serving: the KV transfer starts when the whole prefill ends (no layer-by-layer overlap with it), transfers at once do not share links, and the prefill worker samples the first token (vLLM\'s NixlConnector samples it on the decode worker)',
  'KV-aware and SLO-aware routing and pool resizing (Dynamo\'s KV router and planner): pools are fixed and route round-robin, least-outstanding or at random',
  'multiple partial prefills and long-prefill thresholds (vLLM max_num_partial_prefills, long_prefill_token_threshold)',
  'the KV watermark vLLM V0 kept free, and any allocator fragmentation beyond whole blocks',
  'request priorities, cancellation, timeouts and the API server\'s tokenization and streaming time',
  'asynchronous scheduling: the scheduler\'s host time is part of the step model, not overlapped here',
  'stop conditions: each request produces exactly its output length (no early end-of-sequence)',
];

/** Both, for `serve --json`'s `notModelled` and the README. */
export const NOT_MODELLED: readonly string[] = [...STEP_NOT_MODELLED, ...SIMULATION_NOT_MODELLED];
