/**
 * The order in which each pipeline stage runs its forward (F) and backward
 * (B) passes: 1F1B (PipeDream-Flush, Narayanan et al. 2021) and its
 * interleaved form over `vp` model chunks per stage, with Megatron-LM's
 * warm-up counts and chunk order (schedules.py, forward_backward_pipelining_
 * with_interleaving).
 */

export interface PipelineOp {
  kind: 'F' | 'B';
  /** Micro-batch index. */
  mb: number;
  /** Model chunk (virtual stage) on this pipeline stage. */
  chunk: number;
}

/** The op sequence of one pipeline stage. */
export function stageOrder(stage: number, pp: number, vp: number, microbatches: number): PipelineOp[] {
  const total = microbatches * vp;
  let warmup: number;
  if (vp === 1) warmup = Math.min(pp - stage - 1, microbatches);
  else if (microbatches === pp) warmup = total;
  else warmup = Math.min((pp - stage - 1) * 2 + (vp - 1) * pp, total);

  const chunkOf = (k: number, forward: boolean): number => {
    const c = Math.floor((k % (pp * vp)) / pp);
    return forward ? c : vp - 1 - c;
  };
  const mbOf = (k: number): number => (vp === 1 ? k : Math.floor(k / (pp * vp)) * pp + (k % pp));

  const ops: PipelineOp[] = [];
  const fwd = (k: number): void => void ops.push({ kind: 'F', mb: mbOf(k), chunk: chunkOf(k, true) });
  const bwd = (k: number): void => void ops.push({ kind: 'B', mb: mbOf(k), chunk: chunkOf(k, false) });
  for (let k = 0; k < warmup; k++) fwd(k);
  const steady = total - warmup;
  for (let i = 0; i < steady; i++) {
    fwd(warmup + i);
    bwd(i);
  }
  for (let k = steady; k < total; k++) bwd(k);
  return ops;
}

/**
 * The most layer-micro-batches whose activations a stage holds at once (a
 * forward adds its chunk's layers, the matching backward frees them), and the
 * most micro-batches of the first chunk in flight (for the embedding).
 */
export function peakInFlight(order: readonly PipelineOp[], layersOfChunk: readonly number[]): { layerMicrobatches: number; firstChunkMicrobatches: number } {
  let layers = 0;
  let peakLayers = 0;
  let first = 0;
  let peakFirst = 0;
  for (const op of order) {
    const sign = op.kind === 'F' ? 1 : -1;
    layers += sign * layersOfChunk[op.chunk];
    if (op.chunk === 0) first += sign;
    peakLayers = Math.max(peakLayers, layers);
    peakFirst = Math.max(peakFirst, first);
  }
  return { layerMicrobatches: peakLayers, firstChunkMicrobatches: peakFirst };
}
