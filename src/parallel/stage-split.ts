/**
 * How transformer layers are split over pipeline stages, and over the
 * virtual stages (model chunks) of one stage under interleaving.
 */
import { invalid } from '../errors.js';

/**
 * The default split. When the layers divide evenly, every stage gets the same
 * number (Megatron-LM's rule). Otherwise the embedding and the output layer
 * each count as one layer and the total is spread evenly, so the first and
 * last stages carry one layer less: Llama 3 405B puts 126 layers on 16 stages
 * as 7 + 14x8 + 7 (Llama 3 paper, section 3.3.2), and BLOOM-176B 70 layers on
 * 12 stages as 5 + 10x6 + 5 (Megatron-DeepSpeed "type:transformer|embedding").
 */
export function defaultLayerSplit(layers: number, pp: number): number[] {
  if (pp === 1) return [layers];
  if (layers % pp === 0) return Array.from({ length: pp }, () => layers / pp);
  const units = layers + 2;
  const base = Math.floor(units / pp);
  const extra = units % pp;
  // Spread the remainder over the middle stages first: the ends already hold the embedding and logits.
  const shares = Array.from({ length: pp }, (_, i) => base + (i >= 1 && i <= extra && i < pp - 1 ? 1 : 0));
  let assigned = shares.reduce((a, b) => a + b, 0);
  for (let i = 0; assigned < units; i = (i + 1) % pp) {
    shares[i]++;
    assigned++;
  }
  shares[0] -= 1;
  shares[pp - 1] -= 1;
  if (shares.some((s) => s < 0)) return evenSplit(layers, pp);
  return shares;
}

/** The most even split, larger shares first. */
export function evenSplit(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  const out = new Array<number>(parts);
  for (let i = 0; i < parts; i++) out[i] = base + (i < extra ? 1 : 0);
  return out;
}

/** Checks a user-given split. */
export function checkLayerSplit(split: readonly number[], layers: number, pp: number): void {
  if (split.length !== pp) throw invalid('layersPerStage', `must list ${pp} stages (one per pipeline stage), got ${split.length}`);
  const sum = split.reduce((a, b) => a + b, 0);
  if (sum !== layers) throw invalid('layersPerStage', `must sum to the model's ${layers} layers, got ${sum}`);
  if (split.some((x) => !Number.isInteger(x) || x < 0)) throw invalid('layersPerStage', 'must be whole numbers, 0 or more');
}

/** Layers of each model chunk (virtual stage) of one pipeline stage. */
export function chunkLayers(stageLayers: number, vp: number): number[] {
  return evenSplit(stageLayers, vp);
}
