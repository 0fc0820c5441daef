import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog, scenario } from '../../test/support/catalog.js';
import { evaluateScenario } from '../engine.js';
import { kernelSeconds, type GemmKernel } from '../compute/kernel.js';
import type { ScenarioInput } from '../config/scenario-input.js';
import { resolveGpu } from '../config/catalog.js';
import {
  OVERLAP_INTERFERENCE_MODES,
  gemmSecondsOnSms,
  hbmBytesPerLinkByte,
  hbmSlowdownSeconds,
  memoryBoundShare,
  smSlowdownSeconds,
  tpInterference,
  type OverlapInterference,
} from './overlap-interference.js';
import { planExposed, spBackwardPlan, spForwardPlan, type GemmSeconds } from './tp-comm.js';

const h100 = resolveGpu(catalog, 'h100-sxm-80g');
const gemm = (m: number, n: number, k: number): GemmKernel => ({ kind: 'gemm', name: 'g', m, n, k, batch: 1, precision: 'bf16' });

describe('HBM bytes a transfer makes per link byte', () => {
  it('follows how each method moves data: NCCL stages through a FIFO, copy engines do not, userbuffers pulls', () => {
    expect(hbmBytesPerLinkByte('nccl', 'allgather', 8)).toBe(3); // NVIDIA/nccl #1428: "it can be 3x"
    expect(hbmBytesPerLinkByte('nccl', 'sendrecv', 2)).toBe(4); // both ends of one transfer
    expect(hbmBytesPerLinkByte('copy-engine', 'allgather', 8)).toBe(2); // one read, one write
    expect(hbmBytesPerLinkByte('userbuffers-sm', 'reducescatter', 8)).toBeCloseTo(9 / 7, 12);
  });
});

describe('memory-bound share and the HBM slowdown', () => {
  it('slows a memory-bound kernel more than a big compute-bound GEMM by the same traffic', () => {
    const big = memoryBoundShare(h100, [gemm(8192, 8192, 8192)]);
    const norm = memoryBoundShare(h100, [{ kind: 'memory', name: 'norm', bytes: 256e6 }]);
    expect(big).toBeLessThan(0.1);
    expect(norm).toBeGreaterThan(0.9);
    expect(hbmSlowdownSeconds(h100, 100e6, 3, norm)).toBeGreaterThan(5 * hbmSlowdownSeconds(h100, 100e6, 3, big));
  });
  it('never makes compute faster as more bytes move under it (more communication overlapped)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e10, noNaN: true }), fc.double({ min: 0, max: 1e10, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (a, b, share) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const s0 = hbmSlowdownSeconds(h100, lo, 3, share);
        expect(s0).toBeGreaterThanOrEqual(0);
        expect(hbmSlowdownSeconds(h100, hi, 3, share)).toBeGreaterThanOrEqual(s0);
      }),
    );
  });
});

describe('SMs taken, with wave quantization', () => {
  it('costs a GEMM more than the SM share when its tiles tip into an extra wave', () => {
    // 1408 x 3072 in 256 x 128 tiles is 132 tiles: one wave on 132 SMs, two on 124.
    const k = gemm(1408, 3072, 8192);
    const lost = gemmSecondsOnSms(h100, k, 124) / kernelSeconds(h100, k) - 1;
    expect(lost).toBeGreaterThan(3 * (8 / 132));
  });
  it('is never faster on fewer SMs, and never below the SM share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 64, max: 16384 }), fc.integer({ min: 64, max: 16384 }), fc.integer({ min: 64, max: 16384 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 64 }), (m, n, kk, a, b) => {
        const k = gemm(m, n, kk);
        const fewer = gemmSecondsOnSms(h100, k, h100.smCount - a - b);
        const more = gemmSecondsOnSms(h100, k, h100.smCount - a);
        expect(fewer).toBeGreaterThanOrEqual(more * (1 - 1e-12));
        const alone = kernelSeconds(h100, k);
        expect(smSlowdownSeconds(alone, more, a, h100.smCount, alone)).toBeGreaterThanOrEqual((alone * a) / h100.smCount);
      }),
    );
  });
});

describe('the TP overlap plans under each interference model', () => {
  const shape = fc.record({ m: fc.integer({ min: 256, max: 16384 }), h: fc.integer({ min: 1024, max: 16384 }), tp: fc.constantFrom(2, 4, 8), comm: fc.double({ min: 1e-6, max: 5e-3, noNaN: true }) });
  const plans = (s: { m: number; h: number; tp: number; comm: number }, mode?: OverlapInterference, linkScale = 1) => {
    const byName = (name: string): GemmKernel => gemm(s.m, name.startsWith('fc') ? (4 * s.h) / s.tp : s.h, s.h);
    const g: GemmSeconds = (name, parts = 1) => {
      const k = byName(name);
      return parts <= 1 ? kernelSeconds(h100, k) : parts * kernelSeconds(h100, { ...k, m: Math.ceil(k.m / parts) });
    };
    const c = { allGather: s.comm, reduceScatter: s.comm, ncclSlowdown: (8 * s.comm) / h100.smCount, linkBytes: linkScale * 2 * s.m * s.h, ncclChannels: 8 };
    const i = mode ? tpInterference(h100, mode, s.tp, byName) : undefined;
    const f = spForwardPlan(g, c, s.tp, h100.smCount, i);
    const b = spBackwardPlan(g, c, s.tp, h100.smCount, i);
    return [f.plain, f.overlapped, b.plain, b.overlapped].map(planExposed);
  };
  it('none is the model before interference, exactly', () => {
    fc.assert(
      fc.property(shape, (s) => {
        expect(plans(s, 'none')).toEqual(plans(s));
      }),
    );
  });
  it('exposes no less under sms than none, nor under sms-hbm than sms', () => {
    fc.assert(
      fc.property(shape, (s) => {
        const [none, sms, hbm] = OVERLAP_INTERFERENCE_MODES.map((m) => plans(s, m));
        none.forEach((x, j) => {
          expect(sms[j]).toBeGreaterThanOrEqual(x - 1e-15);
          expect(hbm[j]).toBeGreaterThanOrEqual(sms[j] - 1e-15);
        });
      }),
    );
  });
  it('never exposes less when more bytes move under the same GEMMs', () => {
    fc.assert(
      fc.property(shape, fc.double({ min: 1, max: 8, noNaN: true }), (s, k) => {
        const a = plans(s, 'sms-hbm');
        plans(s, 'sms-hbm', k).forEach((x, j) => expect(x).toBeGreaterThanOrEqual(a[j] - 1e-15));
      }),
    );
  });
});

describe('a training step under each interference model', () => {
  // Scenarios that overlap each kind: TP with SP (userbuffers), TP without SP, CP, ZeRO-3, ZeRO-1 with PP.
  const cases: ScenarioInput[] = [
    { system: 'dgx-h100', model: 'llama3-70b', gpus: 64, tp: 8, pp: 2, vp: 2, overlap: 'tp,dp,pp', seq: 8192, gbs: 64 },
    { system: 'dgx-h100', model: 'gpt3-175b', gpus: 128, tp: 8, pp: 8, sp: false, overlap: 'tp,dp,pp', gbs: 256 },
    { system: 'dgx-h100', model: 'llama3-8b', gpus: 16, tp: 2, pp: 1, cp: 2, seq: 16384, gbs: 16 },
    { system: 'ndm-a100-v4', model: 'mpt-7b', gpus: 16, tp: 1, pp: 1, zero: 3, gbs: 64 },
    { system: 'dgx-a100-80g', model: 'gpt3-175b', gpus: 512, tp: 8, pp: 8, gbs: 512 },
  ];
  it.each(cases.map((c, i) => [i, c] as const))('case %i: none <= sms <= sms-hbm step time', (_, input) => {
    const [none, sms, hbm] = OVERLAP_INTERFERENCE_MODES.map((m) => evaluateScenario(scenario({ ...input, overlapInterference: m })).stepTimeSeconds);
    expect(sms).toBeGreaterThanOrEqual(none);
    expect(hbm).toBeGreaterThanOrEqual(sms);
  });
  it('costs something wherever communication is overlapped', () => {
    for (const input of cases) {
      const none = evaluateScenario(scenario({ ...input, overlapInterference: 'none' })).stepTimeSeconds;
      const hbm = evaluateScenario(scenario({ ...input, overlapInterference: 'sms-hbm' })).stepTimeSeconds;
      expect(hbm, JSON.stringify(input)).toBeGreaterThan(none);
    }
  });
});
