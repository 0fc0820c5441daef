import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog } from '../../test/support/catalog.js';
import { estimateStep, evaluateScenario, hbmBytes, memoryByStage, resolveScenario } from '../engine.js';
import { parseScenarioInput, type ScenarioInput } from '../config/scenario-input.js';
import { resolveExecution, scenarioModel, scenarioSystem } from '../config/resolve.js';
import { ClusterTwinError } from '../errors.js';
import { finishPlan, plan, preparePlan, runPlanTask, type Plan } from './plan.js';
import { paretoFront } from './pareto.js';
import { compareCandidates, compareFamilies, mergeBest, type Candidate, type Family } from './search.js';
import { forEachSplit, splitGroups } from './space.js';

const small: ScenarioInput = { system: 'dgx-h100', model: 'llama3-8b', gpus: 16, seq: 4096, gbs: 64, tokens: 1e11 };

describe('plan', () => {
  it('accounts for every configuration it considers', () => {
    const r = plan({ input: parseScenarioInput(small) }, catalog);
    expect(r.considered).toBeGreaterThan(1000);
    expect(r.rejected).toBe(0);
    expect(r.considered).toBe(r.rejected + r.prunedByMemory + r.evaluated);
    expect(r.points).toHaveLength(1);
    expect(r.points[0]).toMatchObject({ considered: r.considered, evaluated: r.evaluated, pareto: true });
  });

  it('finds the split with the shortest closed-form step, as trying every split does', () => {
    const input = parseScenarioInput(small);
    const r = plan({ input, top: 16, recheck: 16 }, catalog);
    const system = scenarioSystem(input, catalog);
    const model = scenarioModel(input, catalog);
    let best = Infinity;
    const w = { system, model, gpus: 16, gbs: 64, seq: 4096, fixed: {} };
    for (const g of splitGroups(w)) {
      forEachSplit(w, g, (split) => {
        const exec = resolveExecution({ ...input, ...split, tp: split.tp, pp: split.pp }, model, system);
        const s = { system, model, exec };
        if (Math.max(...memoryByStage(s).map((m) => m.totalBytes)) > hbmBytes(system)) return;
        best = Math.min(best, estimateStep(s).stepTimeSeconds);
      });
    }
    expect(Math.min(...r.plans.map((p) => p.closedFormStepTimeSeconds))).toBe(best);
  });

  it('reports event-simulated figures, best first, that fit the memory limit', () => {
    const input = parseScenarioInput(small);
    const r = plan({ input, maxMemoryFraction: 0.5, top: 5 }, catalog);
    const limit = 0.5 * 80 * 1024 ** 3;
    for (let i = 0; i < r.plans.length; i++) {
      const p = r.plans[i];
      expect(p.peakMemoryBytesPerGpu).toBeLessThanOrEqual(limit);
      if (i > 0) expect(p.timeToTrainSeconds).toBeGreaterThanOrEqual(r.plans[i - 1].timeToTrainSeconds);
      const sim = evaluateScenario(resolveScenario({ ...input, tp: p.tp, pp: p.pp, cp: p.cp, ep: p.ep, vp: p.vp, mbs: p.mbs, zero: p.zero, recompute: p.recompute, sp: p.sp }, catalog));
      expect(p.stepTimeSeconds).toBe(sim.stepTimeSeconds);
      expect(p.costUsd).toBe(sim.costUsd);
    }
  });

  it('stands each plan for exactly the other VP and micro-batch variants of its split that fit', () => {
    const input = parseScenarioInput(small);
    const grouped = plan({ input, top: 100_000, recheck: 2 }, catalog);
    const all = plan({ input, top: 100_000, recheck: 2, allVariants: true }, catalog);
    expect(all.plans).toHaveLength(all.distinctSplits);
    const family = (p: Plan): string => [p.tp, p.pp, p.cp, p.ep, p.zero, p.recompute, p.sp].join('|');
    const members = new Map<string, Plan[]>();
    for (const p of all.plans) members.set(family(p), [...(members.get(family(p)) ?? []), p]);
    expect(grouped.plans).toHaveLength(members.size);
    for (const p of grouped.plans) {
      const m = members.get(family(p))!;
      expect(p.variants.length + 1).toBe(m.length);
      expect(new Set([p, ...p.variants].map((v) => `${v.vp}|${v.mbs}`))).toEqual(new Set(m.map((v) => `${v.vp}|${v.mbs}`)));
    }
  });

  it('gives the same report whatever order the tasks finish in', () => {
    const setup = preparePlan({ input: parseScenarioInput(small) }, catalog);
    expect(setup.tasks.length).toBeGreaterThan(1);
    const results = setup.tasks.map((_, t) => runPlanTask(setup, t));
    expect(finishPlan(setup, [...results].reverse(), catalog)).toEqual(finishPlan(setup, results, catalog));
  });

  it('trades time for cost across GPU counts, and marks the Pareto front', () => {
    const req = { input: parseScenarioInput({ ...small, gpus: undefined }), gpus: [8, 16, 32], top: 3 };
    const fastest = plan({ ...req, objective: 'time' }, catalog);
    const cheapest = plan({ ...req, objective: 'cost' }, catalog);
    expect(fastest.plans[0].timeToTrainSeconds).toBeLessThanOrEqual(cheapest.plans[0].timeToTrainSeconds);
    expect(cheapest.plans[0].costUsd).toBeLessThanOrEqual(fastest.plans[0].costUsd);
    expect(fastest.points.map((p) => p.gpus)).toEqual([8, 16, 32]);
    const bests = fastest.points.map((p) => p.best!);
    expect(fastest.points.map((p) => p.pareto)).toEqual(paretoFront(bests));
  });

  it('searches one node doubling up to --max-gpus when no GPU count is given', () => {
    const r = plan({ input: parseScenarioInput({ ...small, gpus: undefined }), maxGpus: 48, top: 1 }, catalog);
    expect(r.points.map((p) => p.gpus)).toEqual([8, 16, 32, 48]);
  });

  it('says why nothing can run', () => {
    // Batch 63 leaves DP 1; an odd sequence leaves CP 1; TP 8 (the KV heads) x PP 2 (the layers) cannot make 32.
    const noSplit = () => plan({ input: parseScenarioInput({ ...small, gpus: 32, layers: 2, seq: 4095, gbs: 63 }) }, catalog);
    expect(noSplit).toThrow(/no split of llama3-8b over 32 GPUs/);
    const fixed = () => plan({ input: parseScenarioInput({ ...small, tp: 3 }) }, catalog);
    expect(fixed).toThrow(/TP 3 must divide/);
    let err: unknown;
    try {
      plan({ input: parseScenarioInput({ ...small, model: 'llama3-405b', gpus: 8 }) }, catalog);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClusterTwinError);
    expect((err as ClusterTwinError).code).toBe('does_not_fit');
  });
});

describe('mergeBest', () => {
  it('keeps the best of the union however the candidates were split between threads', () => {
    const candidate = fc.record({ group: fc.nat(20), index: fc.nat(50), score: fc.integer({ min: 1, max: 30 }) });
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 60 }), fc.array(fc.nat(3), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (raw, owners, keep) => {
        // Unique places in the enumeration, as real candidates have.
        const seen = new Set<string>();
        const all = raw
          .filter((c) => !seen.has(`${c.group}|${c.index}`) && seen.add(`${c.group}|${c.index}`))
          .map((c) => ({ ...c, split: {} as Candidate['split'], dp: 1, closedFormStepTimeSeconds: c.score, peakMemoryBytesPerGpu: 0 }));
        const shards: Family[][] = [[], [], [], []];
        all.forEach((c, i) => shards[owners[i] ?? 0].push({ variants: [c] }));
        const merged = mergeBest(shards.map((s) => [...s].sort(compareFamilies).slice(0, keep)), keep);
        expect(merged.map((f) => f.variants[0])).toEqual([...all].sort(compareCandidates).slice(0, keep));
      }),
    );
  });
});
