/**
 * How the layers of a scenario combine, the same in the CLI and the web page: the default
 * scenario (presets/scenarios/default.yaml), under what the user wrote (a --config file and
 * flags, or the page's fields). And which flag names each scenario key, for error lines.
 */

/** Scenario key -> the flag that sets it (for error messages). */
export const FLAG_OF_KEY: Record<string, string> = {
  system: '--system',
  gpus: '--gpus',
  model: '--model',
  layers: '--layers',
  hidden: '--hidden',
  heads: '--heads',
  kvHeads: '--kv-heads',
  ffnHidden: '--ffn-hidden',
  ffnAct: '--ffn-act',
  vocab: '--vocab',
  tied: '--tied',
  dropout: '--dropout',
  seq: '--seq',
  gbs: '--gbs',
  mbs: '--mbs',
  tp: '--tp',
  pp: '--pp',
  dp: '--dp',
  cp: '--cp',
  ep: '--ep',
  etp: '--etp',
  vp: '--vp',
  sp: '--sp',
  zero: '--zero',
  recompute: '--recompute',
  precision: '--precision',
  overlap: '--overlap',
  overlapInterference: '--overlap-interference',
  tokens: '--tokens',
  layersPerStage: '--layers-per-stage',
  attention: '--attention',
  gradReduceDtype: '--grad-reduce-dtype',
  weightDtype: '--weight-dtype',
  kernels: '--kernels',
  autocastCache: '--autocast-cache',
  lossKernel: '--loss-kernel',
  optimizerKernel: '--optimizer-kernel',
  fp8Overheads: '--fp8-overheads',
  fp8Recipe: '--fp8-recipe',
  fp8AmaxReduction: '--fp8-amax-reduction',
  tpOverlapReduceScatter: '--tp-overlap-reduce-scatter',
  powerClock: '--power-clock',
  hostOverhead: '--host-overhead',
  rankVariation: '--rank-variation',
  tpAsyncAllreduce: '--tp-async-allreduce',
  gradBuffer: '--grad-buffer',
  network: '--network',
  zeroBucketParams: '--zero-bucket-params',
};

/**
 * Which of the default scenario's fields stop applying when the user changes
 * part of the workload: a new model brings its own sequence length and batch;
 * a new machine or GPU count needs its own parallel split.
 */
const SPLIT_KEYS = ['tp', 'pp', 'dp', 'vp', 'mbs', 'layersPerStage'];
const RECIPE_KEYS = ['seq', 'gbs', ...SPLIT_KEYS];
const MODEL_KEYS = ['model', 'layers', 'hidden', 'heads', 'kvHeads', 'ffnHidden', 'vocab'];
const MACHINE_KEYS = ['system', 'gpus', 'seq', 'cp', 'ep', 'etp', 'dp'];

/**
 * The user's fields over the default scenario's. When the user changes the workload (model,
 * system, GPUs, shape) the default's parallel split is not carried over: the engine chooses one
 * for the new workload instead. Neither argument is changed.
 */
export function layerScenario(base: Readonly<Record<string, unknown>>, user: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept = { ...base };
  const changed = (keys: string[]): boolean => keys.some((k) => user[k] !== undefined && user[k] !== kept[k]);
  if (changed(MODEL_KEYS)) for (const k of RECIPE_KEYS) delete kept[k];
  else if (changed(MACHINE_KEYS)) for (const k of SPLIT_KEYS) delete kept[k];
  return { ...kept, ...user };
}
