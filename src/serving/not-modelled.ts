/** What the serving step model leaves out, for output to quote beside its figures. */
export const NOT_MODELLED: readonly string[] = [
  'pipeline parallelism runs one micro-batch through the stages in turn: a step is the sum over stages, with no pipelining of micro-batches',
  'attention data parallelism, context parallelism and disaggregated prefill/decode',
  "multi-head latent attention (DeepSeek's MLA) and sliding-window or sink attention: every layer attends to the full context",
  'computation overlapped with communication (TP all-reduces and EP all-to-alls are exposed), and custom one-shot all-reduce kernels',
  'host time overlapped with the GPU (async scheduling): the scheduler time per step is added, and it is a stated default, not a measurement',
  'expert load imbalance: tokens are spread evenly over the experts they touch',
  'speculative decoding, prefix caching, LoRA adapters and structured output',
  'the detokenizer, the HTTP server and network time to the client',
  'GPU clock and power limits under sustained decode',
];
