import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveExecution, scenarioModel, scenarioSystem } from '../config/resolve.js';
import { PLANNED_RECOMPUTE_MODES } from '../config/execution-schema.js';
import { parseScenarioInput } from '../config/scenario-input.js';
import { forEachSplit, groupSize, splitGroups, type FixedDims, type Split, type Workload } from './space.js';

function workload(model: string, gpus: number, gbs: number, seq: number, fixed: FixedDims = {}): Workload {
  const input = parseScenarioInput({ system: 'dgx-h100', model });
  return { system: scenarioSystem(input, catalog), model: scenarioModel(input, catalog), gpus, gbs, seq, fixed };
}

const keyOf = (s: Split): string => [s.tp, s.pp, s.cp, s.ep, s.vp, s.mbs, s.zero, s.recompute, s.sp].join('|');

function generated(w: Workload): string[] {
  const out: string[] = [];
  for (const g of splitGroups(w)) forEachSplit(w, g, (s) => void out.push(keyOf(s)));
  return out;
}

/** Every split the engine accepts, found by trying them all (TP 1 with SP on is the same job as SP off: left out). */
function bruteForce(w: Workload): string[] {
  const out: string[] = [];
  const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
  for (const tp of upTo(w.gpus))
    for (const cp of upTo(w.gpus / tp))
      for (const pp of upTo(Math.min(w.model.layers, w.gpus / (tp * cp)))) {
        if (w.gpus % (tp * cp * pp) !== 0) continue;
        for (const ep of upTo(w.model.moe?.experts ?? 1))
          // A micro-batch that does not divide the batch never resolves.
          for (const mbs of upTo(w.gbs).filter((m) => w.gbs % m === 0))
            // More virtual stages than a stage has layers never resolve.
            for (const vp of upTo(Math.ceil(w.model.layers / pp) + 1))
              for (const zero of [0, 1, 2, 3] as const)
                for (const recompute of PLANNED_RECOMPUTE_MODES)
                  for (const sp of tp > 1 ? [true, false] : [false]) {
                    try {
                      resolveExecution({ system: 'dgx-h100', gpus: w.gpus, gbs: w.gbs, seq: w.seq, tp, pp, cp, ep, vp, mbs, zero, recompute, sp }, w.model, w.system);
                    } catch {
                      continue;
                    }
                    out.push(keyOf({ tp, pp, cp, ep, vp, mbs, zero, recompute, sp }));
                  }
      }
  return out;
}

describe('the search space', () => {
  it('holds exactly the splits the engine accepts (dense model)', () => {
    const w = workload('llama3-8b', 8, 16, 4096);
    const mine = generated(w);
    expect(new Set(mine).size).toBe(mine.length);
    expect([...mine].sort()).toEqual(bruteForce(w).sort());
  });

  it('holds exactly the splits the engine accepts (mixture of experts)', () => {
    const w = workload('mixtral-8x7b', 8, 8, 4096);
    const mine = generated(w);
    expect(mine.some((k) => k.split('|')[3] !== '1')).toBe(true);
    expect([...mine].sort()).toEqual(bruteForce(w).sort());
  });

  it('searches only the values of fixed dimensions', () => {
    const w = workload('llama3-70b', 256, 256, 8192, { tp: 8, recompute: 'full', vp: 2 });
    const mine = generated(w);
    expect(mine.length).toBeGreaterThan(0);
    for (const k of mine) {
      const [tp, , , , vp, , , recompute] = k.split('|');
      expect([tp, vp, recompute]).toEqual(['8', '2', 'full']);
    }
  });

  it("searches torchtitan's per-op selective checkpointing only when asked for it", () => {
    expect(generated(workload('llama3-8b', 8, 16, 4096)).some((k) => k.includes('selective-op'))).toBe(false);
    const fixed = generated(workload('llama3-8b', 8, 16, 4096, { recompute: 'selective-op' }));
    expect(fixed.length).toBeGreaterThan(0);
    for (const k of fixed) expect(k.split('|')[7]).toBe('selective-op');
  });

  it('keeps a fixed layer split, and the pipeline depth it implies', () => {
    const w = workload('llama3-8b', 16, 32, 4096, { layersPerStage: [7, 9, 9, 7] });
    const groups = splitGroups(w);
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      expect(g.pp).toBe(4);
      expect(g.layersPerStage).toEqual([7, 9, 9, 7]);
    }
  });

  it('counts each group by its splits', () => {
    const w = workload('llama3-8b', 16, 32, 4096);
    const total = splitGroups(w).reduce((n, g) => n + groupSize(w, g), 0);
    expect(total).toBe(generated(w).length);
  });
});
