/**
 * How torchtitan v0.2.2 puts transformer layers on pipeline stages (torchtitan/distributed/
 * pipeline_parallel.py), in the twin's terms: the twin's `layersPerStage` is per pipeline rank, and
 * its `vp` chunks on a rank are torchtitan's virtual stages s = rank + chunk x PP (the "loop" style).
 */
import { ClusterTwinError } from '../../errors.js';
import { chunkLayers } from '../../parallel/stage-split.js';

/**
 * Layers of each virtual stage as generate_llm_fqn_per_model_part makes them: the embedding counts as
 * `inputWeight` layers and the final norm plus output as `outputWeight`; the total is spread evenly,
 * the remainder going to the first stages.
 */
export function torchtitanStageLayers(stages: number, layers: number, inputWeight = 1, outputWeight = 1, path = 'parallelism.pipeline_parallel_degree'): number[] {
  if (stages === 1) return [layers];
  const effective = layers + inputWeight + outputWeight;
  const per = Math.floor(effective / stages);
  const extra = effective % stages;
  // torchtitan refuses these splits with a ValueError; so does the import.
  if (stages > effective || per === 0) throw new ClusterTwinError('invalid_value', path, `${stages} pipeline stages exceed the model's ${layers} layers plus embedding and output`);
  if (inputWeight > per || outputWeight > per) throw new ClusterTwinError('invalid_value', path, `the embedding or output weight exceeds the ${per} layers a stage gets`);
  const out: number[] = [];
  let left = layers;
  for (let s = 0; s < stages; s++) {
    let share = per + (s < extra ? 1 : 0);
    if (s === 0) share -= inputWeight;
    else if (s === stages - 1) share -= outputWeight;
    const take = Math.max(0, Math.min(share, left));
    out.push(take);
    left -= take;
  }
  return out;
}

/** Per-rank layer counts from per-virtual-stage counts under a looped schedule (stage s on rank s mod PP). */
export function rankLayersOfStages(stageLayers: readonly number[], pp: number): number[] {
  const out = new Array<number>(pp).fill(0);
  stageLayers.forEach((l, s) => {
    out[s % pp] += l;
  });
  return out;
}

/**
 * The module names of each virtual stage for the twin's split: rank r's chunk c (chunkLayers of its
 * layers over vp) is stage r + c x PP; layers are numbered in stage order, the embedding on stage 0
 * and the norm and output on the last.
 */
export function moduleFqnsForSplit(layersPerStage: readonly number[], vp: number): string[][] {
  const pp = layersPerStage.length;
  const chunks = layersPerStage.map((l) => chunkLayers(l, vp));
  const stages = pp * vp;
  const out: string[][] = [];
  let next = 0;
  for (let s = 0; s < stages; s++) {
    const names: string[] = s === 0 ? ['tok_embeddings'] : [];
    const count = chunks[s % pp][Math.floor(s / pp)];
    for (let i = 0; i < count; i++) names.push(`layers.${next++}`);
    if (s === stages - 1) names.push('norm', 'output');
    out.push(names);
  }
  return out;
}

/** Transformer layers named in each model part (`layers.N`), checked to run in order without gaps. */
export function layersOfModuleFqns(parts: unknown, layers: number, path = 'parallelism.module_fqns_per_model_part'): number[] {
  if (!Array.isArray(parts) || parts.some((p) => !Array.isArray(p) || p.some((n) => typeof n !== 'string'))) {
    throw new ClusterTwinError('invalid_value', path, 'expected a list of lists of module names');
  }
  let next = 0;
  const out = (parts as string[][]).map((names) => {
    let count = 0;
    for (const name of names) {
      const m = /^layers\.(\d+)$/.exec(name);
      if (!m) continue;
      if (Number(m[1]) !== next) throw new ClusterTwinError('invalid_value', path, `layers must run in order; found ${name} where layers.${next} was due`);
      next++;
      count++;
    }
    return count;
  });
  if (next !== layers) throw new ClusterTwinError('invalid_value', path, `names ${next} layers; the model has ${layers}`);
  return out;
}
