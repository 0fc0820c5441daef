import { describe, expect, it } from 'vitest';
import { peakInFlight, stageOrder } from './pipeline-schedule.js';

describe('pipeline schedules', () => {
  it('run every forward and backward once, each forward before its backward', () => {
    for (const [pp, vp, m] of [
      [4, 1, 8],
      [4, 2, 8],
      [8, 3, 16],
      [16, 1, 16],
      [2, 4, 2],
    ]) {
      for (let s = 0; s < pp; s++) {
        const ops = stageOrder(s, pp, vp, m);
        expect(ops.length).toBe(2 * m * vp);
        const seen = new Set<string>();
        for (const op of ops) {
          const key = `${op.mb}/${op.chunk}`;
          if (op.kind === 'F') seen.add(key);
          else expect(seen.has(key)).toBe(true);
        }
        expect(seen.size).toBe(m * vp);
      }
    }
  });
  it('holds min(pp - s, m) micro-batches in flight on stage s under 1F1B', () => {
    const pp = 8;
    for (const m of [4, 8, 32]) {
      for (let s = 0; s < pp; s++) {
        const peak = peakInFlight(stageOrder(s, pp, 1, m), [1]);
        expect(peak.layerMicrobatches).toBe(Math.min(pp - s, m));
      }
    }
  });
  it("matches Megatron's interleaved warm-up on the first stage", () => {
    const pp = 4;
    const vp = 2;
    const m = 8;
    const ops = stageOrder(0, pp, vp, m);
    const warmup = (pp - 1) * 2 + (vp - 1) * pp;
    expect(ops.slice(0, warmup).every((o) => o.kind === 'F')).toBe(true);
    expect(ops[warmup].kind).toBe('F');
    expect(ops[warmup + 1].kind).toBe('B');
    // The first pp forwards run chunk 0, the next pp chunk 1.
    expect(ops.slice(0, pp).map((o) => o.chunk)).toEqual([0, 0, 0, 0]);
    expect(ops.slice(pp, 2 * pp).map((o) => o.chunk)).toEqual([1, 1, 1, 1]);
  });
});
