import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Execution } from '../config/execution-schema.js';
import { scenario } from '../../test/support/catalog.js';
import { scenarioCosts } from '../engine.js';
import { estimateStepSeconds } from './closed-form.js';
import { simulateStep, STREAMS, sumBreakdown } from './step-simulation.js';
import { zeroComm, type StepCosts } from './step-costs.js';
import { stepMix } from './step-mix.js';
import { sustainedClock } from '../compute/power-clock.js';

function exec(pp: number, vp: number, m: number, over: Partial<Execution> = {}): Execution {
  return {
    gpus: pp,
    seq: 2048,
    gbs: m,
    mbs: 1,
    tp: 1,
    pp,
    dp: 1,
    cp: 1,
    ep: 1,
    etp: null,
    vp,
    sp: false,
    zero: 0,
    recompute: 'none',
    precision: 'bf16',
    overlap: { tp: false, dp: true, pp: true },
    overlapInterference: 'sms-hbm',
    tokens: 1e9,
    tokensSource: 'given',
    layersPerStage: Array(pp).fill(vp),
    attention: 'flash',
    gradReduceDtype: 'fp32',
    weightDtype: 'bf16',
    kernels: 'fused',
    autocastCache: 'forward',
    lossKernel: 'fused',
    optimizerKernel: 'fused',
    fp8Overheads: 'te',
    fp8Recipe: 'delayed',
    fp8AmaxReduction: 'tp-dp-cp',
    tpOverlapReduceScatter: 'pipeline',
    powerClock: 'off',
    hostOverhead: 'launch-queue',
    rankVariation: 'off',
    tpAsyncAllreduce: 'on',
    gradBuffer: 'off',
    microbatches: m,
    network: 'analytical',
    zeroBucketParams: 0,
    ...over,
  };
}

/** Uniform stages: each chunk's forward takes f, backward b, nothing else costs time. */
function uniformCosts(pp: number, vp: number, f: number, b: number, p2p = 0): StepCosts {
  const pass = (t: number) => ({ computeSeconds: t, recomputeSeconds: 0, exposedComm: zeroComm(), totalComm: zeroComm(), seconds: t });
  return {
    p2pSeconds: p2p,
    p2pBytes: 0,
    rankWaitFraction: 0,
    stages: Array.from({ length: pp }, () => ({
      layers: vp,
      chunkLayers: Array(vp).fill(1),
      forward: Array.from({ length: vp }, () => pass(f / vp)),
      backward: Array.from({ length: vp }, () => pass(b / vp)),
      dpReduceSeconds: Array(vp).fill(0),
      dpReduceSmSeconds: Array(vp).fill(0),
      smCount: 132,
      paramGatherSeconds: 0,
      optimizerSeconds: 0,
      paramsPerGpu: 0,
    })),
  };
}

describe('step simulation', () => {
  it('gives (m + p - 1)(f + b) for 1F1B over uniform stages', () => {
    for (const [pp, m] of [
      [1, 4],
      [4, 8],
      [8, 8],
      [4, 32],
    ]) {
      const sim = simulateStep(exec(pp, 1, m), uniformCosts(pp, 1, 1, 2));
      expect(sim.stepTimeSeconds).toBeCloseTo((m + pp - 1) * 3, 9);
      expect(sim.breakdown.bubbleSeconds).toBeCloseTo((pp - 1) * 3, 9);
    }
  });
  it('shrinks the bubble by the virtual stages: m(f + b) + (p - 1)(f + b)/v', () => {
    for (const [pp, vp, m] of [
      [4, 2, 8],
      [4, 4, 16],
      [8, 3, 16],
    ]) {
      const sim = simulateStep(exec(pp, vp, m), uniformCosts(pp, vp, 1, 2));
      expect(sim.stepTimeSeconds).toBeCloseTo(m * 3 + ((pp - 1) * 3) / vp, 9);
    }
  });
  it('puts pipeline transfers on the critical path, at least once per boundary each way', () => {
    const pp = 4;
    const with0 = simulateStep(exec(pp, 1, 8), uniformCosts(pp, 1, 1, 2, 0)).stepTimeSeconds;
    const sim = simulateStep(exec(pp, 1, 8), uniformCosts(pp, 1, 1, 2, 0.1));
    expect(sim.stepTimeSeconds).toBeGreaterThanOrEqual(with0 + 2 * (pp - 1) * 0.1 - 1e-9);
    expect(sim.breakdown.ppCommSeconds).toBeGreaterThan(0);
  });
  it('blocks the sender with transfers when PP overlap is off', () => {
    const pp = 4;
    const overlapped = simulateStep(exec(pp, 1, 8), uniformCosts(pp, 1, 1, 2, 0.1)).stepTimeSeconds;
    const blocking = simulateStep(exec(pp, 1, 8, { overlap: { tp: false, dp: true, pp: false } }), uniformCosts(pp, 1, 1, 2, 0.1)).stepTimeSeconds;
    expect(blocking).toBeGreaterThan(overlapped);
  });
  it('agrees with the closed-form estimate on uniform stages', () => {
    for (const [pp, vp, m] of [
      [4, 1, 8],
      [4, 2, 8],
      [16, 1, 64],
    ]) {
      const e = exec(pp, vp, m);
      const c = uniformCosts(pp, vp, 1, 2);
      expect(estimateStepSeconds(e, c)).toBeCloseTo(simulateStep(e, c).stepTimeSeconds, 6);
    }
  });
  it('agrees with the closed form within 10% on real scenarios', () => {
    for (const input of [
      { system: 'ndm-a100-v4', model: 'gpt3-175b', gpus: 1024, tp: 8, pp: 8, gbs: 1536 },
      { system: 'dgx-h100', model: 'llama3-405b', gpus: 16384, tp: 8, pp: 16, vp: 2, seq: 8192, gbs: 2048 },
      { system: 'dgx-h100', model: 'llama3-70b', gpus: 512, tp: 4, pp: 4, gbs: 512, overlap: 'none' },
    ] as const) {
      const s = scenario(input);
      const costs = scenarioCosts(s);
      const des = simulateStep(s.exec, costs).stepTimeSeconds;
      expect(Math.abs(estimateStepSeconds(s.exec, costs) / des - 1)).toBeLessThan(0.1);
    }
  });
});

describe('step simulation invariants (properties)', () => {
  const arb = fc.record({
    model: fc.constantFrom('llama3-8b', 'llama3-70b', 'gpt3-175b'),
    tp: fc.constantFrom(1, 2, 4, 8),
    pp: fc.constantFrom(1, 2, 4, 8),
    vp: fc.constantFrom(1, 2),
    dp: fc.constantFrom(1, 2, 8),
    m: fc.constantFrom(1, 2, 4, 8),
    overlap: fc.constantFrom('none', 'dp', 'dp,pp', 'tp,dp,pp'),
    recompute: fc.constantFrom('none', 'selective', 'selective-op', 'full'),
    kernels: fc.constantFrom('fused', 'eager'),
    weightDtype: fc.constantFrom('bf16', 'fp32'),
    zero: fc.constantFrom(1, 3),
  });
  type Case = typeof arb extends fc.Arbitrary<infer T> ? T : never;
  const build = (x: Case, extra: Record<string, unknown> = {}) => {
    const vp = x.pp > 1 ? x.vp : 1;
    const m = vp > 1 ? x.pp * x.m : x.m;
    return scenario({
      system: 'dgx-h100',
      model: x.model,
      tp: x.tp,
      pp: x.pp,
      vp,
      dp: x.dp,
      gpus: x.tp * x.pp * x.dp,
      gbs: m * x.dp,
      overlap: x.overlap,
      recompute: x.recompute as never,
      kernels: x.kernels as never,
      weightDtype: x.weightDtype as never,
      // ZeRO-3 needs data parallelism and no pipeline (as FSDP runs); otherwise the distributed optimizer.
      zero: x.zero === 3 && x.pp === 1 && x.dp > 1 ? 3 : 1,
      // With the wait for the slowest rank, so these properties cover it too.
      rankVariation: 'expected-max',
      ...extra,
    });
  };

  it('never overlaps two events on one stream of one stage; the breakdown sums to the step', () => {
    fc.assert(
      fc.property(arb, (x) => {
        const s = build(x);
        const sim = simulateStep(s.exec, scenarioCosts(s));
        for (let st = 0; st < s.exec.pp; st++) {
          for (const stream of STREAMS) {
            const evs = sim.timeline.filter((e) => e.stage === st && e.stream === stream);
            for (let i = 1; i < evs.length; i++) if (evs[i].startSeconds < evs[i - 1].endSeconds - 1e-12) return false;
          }
        }
        return Math.abs(sumBreakdown(sim.breakdown) - sim.stepTimeSeconds) < 1e-9 * sim.stepTimeSeconds;
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
    );
  });

  it('is never slower with more bandwidth or more peak FLOP/s', () => {
    fc.assert(
      fc.property(arb, fc.double({ min: 1, max: 4, noNaN: true }), fc.constantFrom('nvlink', 'nic', 'flops', 'hbm'), (x, k, what) => {
        // Under --power-clock step-mix a faster HBM shortens the memory-bound kernels, raises the step's
        // GEMM duty and so lowers the sustained clock the duty curve gives: the step can come out
        // slower (by at most 1%, the test below). The invariant holds with the clock at the preset's
        // rates; the duty curve's non-monotonicity is a stated limitation (docs/sources/power-clock.md).
        const s = build(x, what === 'hbm' ? { powerClock: 'off' } : {});
        const faster = structuredClone(s);
        if (what === 'nvlink') faster.system.node.nvlinkGBpsPerGpu *= k;
        if (what === 'nic') faster.system.node.nicGbps *= k;
        if (what === 'hbm') faster.system.gpu.hbmBandwidthGBps *= k;
        if (what === 'flops') {
          const p = faster.system.gpu.peakTflops;
          p.bf16 = (p.bf16 ?? p.fp16) * k;
          p.fp16 *= k;
        }
        const t0 = simulateStep(s.exec, scenarioCosts(s)).stepTimeSeconds;
        const t1 = simulateStep(faster.exec, scenarioCosts(faster)).stepTimeSeconds;
        return t1 <= t0 * (1 + 1e-9);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 80) },
    );
  });

  it('under the power-clock duty curve, a faster HBM costs at most the clock its higher GEMM duty loses', () => {
    // The duty curve lowers only the tensor-core rate, so a step at clock factor f takes at most 1/f of
    // its time at the preset's rates (f < 1) and no more than it (f >= 1); with the step never slower
    // for more HBM at fixed rates (the property above), t1 <= t0 * max(1, f0) / min(1, f1). A fixed 1%
    // stated at an earlier stop was not derived and failed on a sampled case (Llama 3 70B, TP 1 x PP 4,
    // 2.5x HBM: +1.0%; 4x: +1.4%).
    const factor = (s: ReturnType<typeof build>) => {
      const atPreset = structuredClone(s);
      atPreset.exec.powerClock = 'off';
      return sustainedClock(s.system.gpu.sustainedClock, stepMix(s.exec, scenarioCosts(atPreset))).factor;
    };
    fc.assert(
      fc.property(arb, fc.double({ min: 1, max: 4, noNaN: true }), (x, k) => {
        const s = build(x, { powerClock: 'step-mix' });
        const faster = structuredClone(s);
        faster.system.gpu.hbmBandwidthGBps *= k;
        const t0 = simulateStep(s.exec, scenarioCosts(s)).stepTimeSeconds;
        const t1 = simulateStep(faster.exec, scenarioCosts(faster)).stepTimeSeconds;
        return t1 <= ((t0 * Math.max(1, factor(s))) / Math.min(1, factor(faster))) * (1 + 1e-9);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 80) },
    );
  });
});
