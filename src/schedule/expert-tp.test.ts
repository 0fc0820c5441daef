/**
 * Expert tensor parallelism (`etp`, docs/sources/moe.md): unset keeps the twin's older MoE model
 * exactly; set, it places EP peers on Megatron-Core's expert grid and adds the dispatcher's ETP
 * all-gather and reduce-scatter.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scenario } from '../../test/support/catalog.js';
import { estimateStep, scenarioCosts } from '../engine.js';
import { groupPlacement, parallelLayout } from '../parallel/layout.js';
import { layerGemms, routedTokensPerGpu } from '../compute/shard-shape.js';
import { shardShape } from './step-costs.js';
import type { ScenarioInput } from '../config/scenario-input.js';
import { layerParamsPerGpu } from '../memory/memory-model.js';
import { mlpParams } from '../model/transformer.js';

// A Grok-1-shaped MoE (8 experts, top-2) cut to 16 layers so each case is quick.
const grok = (over: Partial<ScenarioInput> = {}): ScenarioInput => ({
  system: 'dgx-h100',
  model: 'mixtral-8x7b',
  layers: 16,
  hidden: 6144,
  heads: 48,
  kvHeads: 8,
  ffnHidden: 32768,
  vocab: 128256,
  seq: 8192,
  mbs: 1,
  tp: 4,
  pp: 2,
  cp: 2,
  ep: 8,
  gpus: 128,
  gbs: 64,
  recompute: 'none',
  overlap: 'tp,dp,pp',
  ...over,
});

const expertFlops = (s: ReturnType<typeof scenario>): number => {
  const g = layerGemms(s.model, shardShape(s.exec));
  return [g.fc1, g.fc2].reduce((n, x) => n + x.m * x.n * x.k * x.batch, 0);
};

/** The EP (dispatcher) communication one MoE layer's forward pass issues, seconds. */
const epForwardSeconds = (s: ReturnType<typeof scenario>): number => {
  const st = scenarioCosts(s).stages[0];
  return st.forward[0].totalComm.ep / st.chunkLayers[0];
};

describe('expert tensor parallelism unset: the older model exactly', () => {
  it('resolves to null and places EP peers tp x cp ranks apart (carved out of DP)', () => {
    const s = scenario(grok());
    expect(s.exec.etp).toBeNull();
    const l = parallelLayout(s.exec, 8);
    expect(l.ep).toEqual(groupPlacement(8, s.exec.tp * s.exec.cp, 8, s.exec.gpus));
    expect(l.etp.ranks).toBe(1);
  });

  it('keeps experts unsplit: each expert GEMM takes its routed tokens at the full expert width', () => {
    const s = scenario(grok());
    const g = layerGemms(s.model, shardShape(s.exec));
    const local = 8 / s.exec.ep;
    expect(g.fc2.k).toBe(32768);
    expect(g.fc1.n).toBe(2 * 32768);
    expect(g.fc1.m).toBe(routedTokensPerGpu(s.model, shardShape(s.exec)) / local);
  });
  it('coincides with etp 1 where the two placements are the same (TP 1, CP 1): the step is identical', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 4, 8), fc.constantFrom(32, 64, 128), fc.constantFrom<'bf16' | 'fp8'>('bf16', 'fp8'), (ep, gpus, precision) => {
        const base = { tp: 1, cp: 1, pp: 4, ep, gpus, gbs: gpus, precision, layers: 8, hidden: 2048, heads: 16, ffnHidden: 8192 };
        const unset = estimateStep(scenario(grok(base))).stepTimeSeconds;
        expect(estimateStep(scenario(grok({ ...base, etp: 1 }))).stepTimeSeconds).toBe(unset);
      }),
      { numRuns: 8 },
    );
  });
});

describe('expert tensor parallelism set', () => {
  it('is refused on a dense model and where ETP x EP does not divide TP x CP x DP', () => {
    expect(() => scenario({ system: 'dgx-h100', model: 'llama3-8b', gpus: 8, tp: 8, pp: 1, etp: 1 })).toThrow(/mixture-of-experts/);
    expect(() => scenario(grok({ etp: 3 }))).toThrow(/ETP 3/);
  });

  it('places EP peers etp ranks apart: with etp 1 and EP 8 one node holds the whole EP group', () => {
    const s = scenario(grok({ etp: 1 }));
    const l = parallelLayout(s.exec, 8);
    expect(l.ep.nodes).toBe(1);
    expect(parallelLayout(scenario(grok({ etp: 4 })).exec, 8).ep.nodes).toBe(4);
  });

  it('splits the experts without changing their FLOPs', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 4), fc.constantFrom<'bf16' | 'fp8'>('bf16', 'fp8'), (etp, precision) => {
        const base = expertFlops(scenario(grok({ precision })));
        expect(expertFlops(scenario(grok({ etp, precision })))).toBeCloseTo(base, -3);
      }),
      { numRuns: 6 },
    );
  });

  it('an expert TP group wider than 1 never makes the dispatcher faster (peers further apart, and the ETP gather)', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 4), fc.constantFrom(2, 4, 8), fc.constantFrom(64, 128, 256), (etp, ep, gpus) => {
        const one = epForwardSeconds(scenario(grok({ etp: 1, ep, gpus, gbs: gpus / 2 })));
        const wide = epForwardSeconds(scenario(grok({ etp, ep, gpus, gbs: gpus / 2 })));
        expect(wide).toBeGreaterThanOrEqual(one);
      }),
      { numRuns: 12 },
    );
  });

  it('holds each local expert\'s weights split etp ways', () => {
    const one = scenario(grok({ etp: 1 }));
    const four = scenario(grok({ etp: 4 }));
    const local = 8 / one.exec.ep;
    const drop = layerParamsPerGpu(one.model, one.exec) - layerParamsPerGpu(four.model, four.exec);
    expect(drop).toBeCloseTo(local * mlpParams(one.model) * (1 - 1 / 4), -2);
  });
});
