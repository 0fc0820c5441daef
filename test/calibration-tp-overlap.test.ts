/**
 * The twin's TP overlap against FLUX's operator measurements (docs/sources/tp-overlap.md): the GEMMs
 * it overlaps are timed right, and the overlap it credits is more than Transformer Engine achieved.
 */
import { describe, expect, it } from 'vitest';
import { fluxCases, h800Like, meanEfficiency } from '../calibration/tp-overlap-flux.js';

const cases = fluxCases(h800Like());
const before = fluxCases(h800Like(), 'none');
const at4096 = cases.find((c) => c.tokens === 4096)!;

describe('TP overlap on FLUX\'s cases (GPT-3 175B shapes, TP 8, 8x H800)', () => {
  it('times the overlapped GEMMs within 5% of FLUX\'s unsplit cuBLAS runs', () => {
    // bytedance/flux docs/performance_report.md @79807b71, H800, M 4096: AG+GEMM "Torch GEMM" 0.846 ms
    // (K 12288, N 49152 / 8), GEMM+RS 0.818 ms (K 49152 / 8, N 12288).
    expect(Math.abs(at4096.gemmSeconds.fc1 / 0.846e-3 - 1)).toBeLessThan(0.05);
    expect(Math.abs(at4096.gemmSeconds.fc2 / 0.818e-3 - 1)).toBeLessThan(0.05);
  });
  it('credits more overlap than TE measured there (known gap: FLUX, TE 1.4.0, mean 20%)', () => {
    // Regression guard, not a target: with the interference model (SMs with waves, HBM traffic, a gap
    // per chunk) the twin hides 56% on average where TE hid 20% (range -40..80%); without it, 64%.
    const e = meanEfficiency(cases);
    expect(e).toBeGreaterThan(0.2);
    expect(e).toBeLessThan(0.6);
    expect(meanEfficiency(before)).toBeGreaterThan(0.6);
    expect(meanEfficiency(before)).toBeLessThan(0.7);
    // Like TE, the twin's overlap is worst at the smallest m.
    const ag = cases.map((c) => c.efficiency.allGather);
    expect(ag[0]).toBeLessThan(ag[ag.length - 1]);
  });
  it('hides no more with the transfers slowed by the compute (both-ways) than with sms-hbm, on every case', () => {
    const hbm = fluxCases(h800Like(), 'sms-hbm');
    fluxCases(h800Like(), 'both-ways').forEach((c, i) => {
      expect(c.efficiency.allGather).toBeLessThanOrEqual(hbm[i].efficiency.allGather);
      expect(c.efficiency.reduceScatter).toBeLessThanOrEqual(hbm[i].efficiency.reduceScatter);
    });
  });
  it('hides less on every case with the interference counted than without (falls toward TE\'s 20%)', () => {
    cases.forEach((c, i) => {
      expect(c.efficiency.allGather).toBeLessThan(before[i].efficiency.allGather);
      expect(c.efficiency.reduceScatter).toBeLessThan(before[i].efficiency.reduceScatter);
    });
  });
});
