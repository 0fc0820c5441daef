import { describe, expect, it } from 'vitest';
import { scenario } from '../../test/support/catalog.js';
import { analyzeReliability } from './analysis.js';

const DAY = 86_400;
const s = scenario({ system: 'dgx-h100', model: 'llama3-70b', gpus: 1024, tp: 8, pp: 4, seq: 8192, gbs: 512 });

describe('reliability report', () => {
  it('uses the optimum unless told otherwise, and sweeps around it', () => {
    const r = analyzeReliability(s, { kind: 'window', seconds: 30 * DAY });
    expect(r.checkpointIntervalSeconds).toBeCloseTo(r.optimalCheckpointIntervalSeconds, 6);
    expect(r.sweep.length).toBeGreaterThanOrEqual(7);
    for (const p of r.sweep) expect(p.goodput).toBeLessThanOrEqual(r.goodput + 1e-12);
    expect(r.monteCarlo).toBeUndefined();
    const total = Object.values(r.byCause).reduce((a, x) => a + x, 0);
    expect(total).toBeCloseTo(r.interruptions + r.plannedInterruptions, 6);
    expect(r.interruptionsPerDay).toBeCloseTo(r.interruptions / 30, 9);
  });

  it('uses the interval it is given, never below an asynchronous write', () => {
    const r = analyzeReliability(s, { kind: 'window', seconds: 30 * DAY }, { intervalSeconds: 3600 });
    expect(r.checkpointIntervalSeconds).toBe(3600);
    expect(r.sweep.some((p) => p.intervalSeconds === 3600)).toBe(true);
    const a = analyzeReliability(s, { kind: 'window', seconds: 30 * DAY }, { intervalSeconds: 1e-3, asyncCheckpoint: true });
    expect(a.checkpointIntervalSeconds).toBeCloseTo(a.checkpoint.minIntervalSeconds, 9);
  });

  it('simulates the run and the sweep when asked, and reports progress to the end', () => {
    let last = [0, 0];
    const r = analyzeReliability(s, { kind: 'work', seconds: 20 * DAY }, { trials: 40, seed: 5, onProgress: (d, t) => (last = [d, t]) });
    expect(r.monteCarlo!.trials).toBe(40);
    expect(r.sweep.every((p) => p.simulatedGoodput !== undefined)).toBe(true);
    expect(r.simulatedOptimalCheckpointIntervalSeconds).toBeDefined();
    expect(last[0]).toBe(last[1]);
    expect(last[1]).toBe(40 + r.sweep.length * 40);
  });
});
