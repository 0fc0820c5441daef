/**
 * The peak of activations a pipeline stage holds, without building its
 * schedule: the same answer as `peakInFlight(stageOrder(...))`, in
 * O(warm-up + pp x vp) steps instead of O(micro-batches x vp), and without
 * allocating. The planner asks this for hundreds of thousands of splits.
 *
 * Why one period is enough: after warm-up, each steady step runs one forward
 * and one backward pass whose chunks depend only on the step index modulo
 * pp x vp, and over any pp x vp consecutive steps every chunk enters and
 * leaves pp times. So the steady phase repeats with zero net change each
 * period, and its peak is reached within the first period; the cool-down
 * only frees memory.
 */
export interface InFlight {
  /** Most layer-micro-batches whose activations are held at once. */
  layerMicrobatches: number;
  /** Most micro-batches of the first chunk in flight (for the embedding). */
  firstChunkMicrobatches: number;
}

/** Peak in-flight work of `stage` under (interleaved) 1F1B; `layersOfChunk` has vp entries. */
export function stagePeakInFlight(stage: number, pp: number, vp: number, microbatches: number, layersOfChunk: readonly number[]): InFlight {
  const total = microbatches * vp;
  // Warm-up forwards, as Megatron-LM (and `stageOrder`) count them.
  let warmup: number;
  if (vp === 1) warmup = Math.min(pp - stage - 1, microbatches);
  else if (microbatches === pp) warmup = total;
  else warmup = Math.min((pp - stage - 1) * 2 + (vp - 1) * pp, total);
  const period = pp * vp;
  const chunkOf = (k: number): number => Math.floor((k % period) / pp);

  let layers = 0;
  let first = 0;
  let peakLayers = 0;
  let peakFirst = 0;
  const forward = (k: number): void => {
    const c = chunkOf(k);
    layers += layersOfChunk[c];
    if (c === 0) first++;
    if (layers > peakLayers) peakLayers = layers;
    if (first > peakFirst) peakFirst = first;
  };
  for (let k = 0; k < warmup; k++) forward(k);
  const steps = Math.min(total - warmup, period);
  for (let i = 0; i < steps; i++) {
    forward(warmup + i);
    const c = vp - 1 - chunkOf(i);
    layers -= layersOfChunk[c];
    if (c === 0) first--;
  }
  return { layerMicrobatches: peakLayers, firstChunkMicrobatches: peakFirst };
}
