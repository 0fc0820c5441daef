import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { USERBUFFERS, planComm, planExposed, spBackwardPlan, spForwardPlan, type GemmSeconds } from './tp-comm.js';

const SMS = 132;
const gemms = (t: number): GemmSeconds => () => t;
const coll = (ag: number, rs = ag) => ({ allGather: ag, reduceScatter: rs, ncclSlowdown: 0.1 * ag });

describe('TP communication with sequence parallelism', () => {
  it('moves four collectives forward and six backward (the input is all-gathered again for wgrad)', () => {
    expect(planComm(spForwardPlan(gemms(1), coll(1, 2), 8, SMS).plain)).toBeCloseTo(2 * 1 + 2 * 2, 12);
    expect(planComm(spBackwardPlan(gemms(1), coll(1, 2), 8, SMS).plain)).toBeCloseTo(4 * 1 + 2 * 2, 12);
    // With overlap the same bytes move; only what is hidden changes.
    expect(planComm(spForwardPlan(gemms(1), coll(1, 2), 8, SMS).overlapped)).toBeCloseTo(6, 12);
    expect(planComm(spBackwardPlan(gemms(1), coll(1, 2), 8, SMS).overlapped)).toBeCloseTo(8, 12);
  });
  it('blocks on the forward collectives and the output-gradient all-gathers unless TP overlap is on', () => {
    const long = gemms(100);
    expect(planExposed(spForwardPlan(long, coll(1), 8, SMS).plain)).toBeCloseTo(4, 12);
    // Backward: two blocking all-gathers; the other four hide under long GEMMs, costing only their SMs.
    const bwd = planExposed(spBackwardPlan(long, coll(1), 8, SMS).plain);
    expect(bwd).toBeGreaterThan(2);
    expect(bwd).toBeLessThan(2 + 4 * 0.1 + 1e-12);
  });
  it('with TP overlap, leaves exposed the last split of each pipelined reduce-scatter and the SMs it takes', () => {
    const t = 100;
    const exposed = planExposed(spForwardPlan(gemms(t), coll(1), 8, SMS).overlapped);
    const lastSplits = 2 / USERBUFFERS.pipelineSplits;
    const reservedSms = (t * USERBUFFERS.projFpropSms) / (SMS - USERBUFFERS.projFpropSms) + (t * USERBUFFERS.fc2FpropSms) / (SMS - USERBUFFERS.fc2FpropSms);
    expect(exposed).toBeCloseTo(lastSplits + reservedSms, 9);
  });
  it('hides a ring-exchange all-gather only up to the GEMM time after its first, local chunk', () => {
    // GEMMs of 8 s on TP 8: 7 s of window for an 10 s all-gather leaves 3 s exposed on each of qkv and fc1.
    const plan = spForwardPlan(gemms(8), coll(10, 0), 8, SMS);
    const ringExposed = planExposed([plan.overlapped[0], plan.overlapped[2]]);
    expect(ringExposed).toBeCloseTo(6, 12);
  });
  it('never exposes more when the collectives get faster (more bandwidth is never slower)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 2, max: 8 }), (t, c, f, tp) => {
        for (const plan of [spForwardPlan, spBackwardPlan]) {
          for (const mode of ['plain', 'overlapped'] as const) {
            const slow = planExposed(plan(gemms(t), coll(c), tp, SMS)[mode]);
            const fast = planExposed(plan(gemms(t), { ...coll(c), allGather: c * f, reduceScatter: c * f }, tp, SMS)[mode]);
            if (fast > slow + 1e-9) return false;
          }
        }
        return true;
      }),
    );
  });
});

describe('TP overlap runs GEMMs in chunks', () => {
  it('charges the chunks\' extra time: TP chunks for ring exchange, 4 splits for the pipelined reduce-scatter', () => {
    // A GEMM of 1 s whole; each chunk of 1/parts of the rows takes 1.2/parts s (small GEMMs fill the GPU less).
    const g: GemmSeconds = (_name, parts = 1) => (parts > 1 ? 1.2 : 1);
    const free: GemmSeconds = () => 1;
    const c = { allGather: 0, reduceScatter: 0, ncclSlowdown: 0 };
    const extra = planExposed(spForwardPlan(g, c, 8, SMS).overlapped) - planExposed(spForwardPlan(free, c, 8, SMS).overlapped);
    // Four GEMMs chunked (+0.2 s each), and the two pipelined ones also lose their reserved SMs on the longer chunks.
    const reserved = 0.2 * (USERBUFFERS.projFpropSms / (SMS - USERBUFFERS.projFpropSms) + USERBUFFERS.fc2FpropSms / (SMS - USERBUFFERS.fc2FpropSms));
    expect(extra).toBeCloseTo(4 * 0.2 + reserved, 9);
    // Without overlap nothing is chunked.
    expect(planExposed(spForwardPlan(g, c, 8, SMS).plain)).toBe(0);
  });
});

describe('FP8: the projection and FC2 reduce-scatters by ring exchange (userbuffers_fp8_* configurations)', () => {
  const fp8 = (rs: number, reduce: number) => ({ ...coll(1, rs), rsMethod: 'ring-exchange' as const, rsReduceSeconds: reduce });
  it('hides the sends (copy engines) behind the chunks after the first and leaves the sum of the partials exposed', () => {
    // GEMMs of 8 s on TP 8: the sends of 7 chunks hide behind 7 s; a 0.5 s reduce-scatter is hidden, the 0.25 s sum is not.
    const plan = spForwardPlan(gemms(8), fp8(0.5, 0.25), 8, SMS);
    expect(planExposed([plan.overlapped[1], plan.overlapped[3]])).toBeCloseTo(2 * 0.25, 12);
    // A 10 s reduce-scatter leaves 3 s of each exposed besides the sum.
    const long = spForwardPlan(gemms(8), fp8(10, 0.25), 8, SMS);
    expect(planExposed([long.overlapped[1], long.overlapped[3]])).toBeCloseTo(2 * (3 + 0.25), 12);
    // The same bytes move as without overlap; the sum is the method's own cost.
    expect(planComm(long.overlapped)).toBeCloseTo(2 * 1 + 2 * 10 + 2 * 0.25, 12);
    // Without TP overlap nothing changes: the reduce-scatters block as NCCL's.
    expect(planExposed(long.plain)).toBeCloseTo(planExposed(spForwardPlan(gemms(8), coll(1, 10), 8, SMS).plain), 12);
  });
  it('charges the chunks\' extra time, as the all-gather ring exchange does', () => {
    const g: GemmSeconds = (_name, parts = 1) => (parts > 1 ? 1.2 : 1);
    const free: GemmSeconds = () => 1;
    const c = { allGather: 0, reduceScatter: 0, ncclSlowdown: 0, rsMethod: 'ring-exchange' as const, rsReduceSeconds: 0 };
    expect(planExposed(spForwardPlan(g, c, 8, SMS).overlapped) - planExposed(spForwardPlan(free, c, 8, SMS).overlapped)).toBeCloseTo(4 * 0.2, 9);
  });
  it('never exposes more when the reduce-scatter gets faster', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 2, max: 8 }), (t, c, f, tp) => {
        const slow = planExposed(spForwardPlan(gemms(t), fp8(c, 0.1), tp, SMS).overlapped);
        const fast = planExposed(spForwardPlan(gemms(t), fp8(c * f, 0.1), tp, SMS).overlapped);
        return fast <= slow + 1e-9;
      }),
    );
  });
});
