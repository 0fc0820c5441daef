/**
 * The data behind the scaling curve: the user's model, system, sequence and
 * batch at GPU counts around theirs, each with the split the engine chooses
 * there (resolveScenario with TP and PP unset: the fastest that fits), each
 * simulated with the event simulation over the analytical network (the
 * flow-level one at every count would take minutes). A count that cannot run (the batch
 * does not divide, the fabric does not hold it, no split fits) is kept as a
 * point with its reason, never dropped silently.
 */
import type { PresetCatalog } from '../config/catalog.js';
import type { ScenarioInputParsed } from '../config/scenario-input.js';
import { evaluateScenario, resolveScenario } from '../engine.js';
import { ClusterTwinError } from '../errors.js';

/** One GPU count of the curve: its figures, or why it cannot run. */
export type ScalingPoint =
  | {
      gpus: number;
      ok: true;
      tp: number;
      pp: number;
      dp: number;
      cp: number;
      stepTimeSeconds: number;
      tokensPerSecond: number;
      mfu: number;
      /** Failure-free cost of the whole run (the scenario's tokens), USD. */
      costUsd: number;
      fitsInMemory: boolean;
    }
  | { gpus: number; ok: false; reason: string };

/** The split fields the engine chooses again at each count (the rest of the scenario is kept). */
const RECHOSEN = ['tp', 'pp', 'dp', 'vp', 'layersPerStage'] as const;

/** Default counts: the user's, halved and doubled three times each (whole GPUs, at least one). */
export function scalingCounts(gpus: number): number[] {
  const out = new Set<number>();
  for (let k = -3; k <= 3; k++) {
    const g = gpus * 2 ** k;
    if (Number.isInteger(g) && g >= 1) out.add(g);
  }
  return [...out].sort((a, b) => a - b);
}

/** Simulates the scenario at each count with the split chosen there. */
export function scalingPoints(input: ScenarioInputParsed, catalog: PresetCatalog, counts: readonly number[]): ScalingPoint[] {
  const base: ScenarioInputParsed = { ...input, network: 'analytical' };
  for (const k of RECHOSEN) delete base[k];
  return counts.map((gpus): ScalingPoint => {
    try {
      const s = resolveScenario({ ...base, gpus }, catalog);
      const r = evaluateScenario(s);
      const e = r.config.execution;
      return { gpus, ok: true, tp: e.tp, pp: e.pp, dp: e.dp, cp: e.cp, stepTimeSeconds: r.stepTimeSeconds, tokensPerSecond: r.tokensPerSecond, mfu: r.mfu, costUsd: r.costUsd, fitsInMemory: r.fitsInMemory };
    } catch (err) {
      // The engine's one-line reason; anything else is a bug and must not pass for a user error.
      if (err instanceof ClusterTwinError) return { gpus, ok: false, reason: err.message };
      throw err;
    }
  });
}
