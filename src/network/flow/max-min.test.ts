import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlowSet } from './flow-set.js';
import { fluidCompletion, maxMinRates } from './max-min.js';

function flows(paths: number[][], weights?: number[]): FlowSet {
  const s = new FlowSet();
  paths.forEach((p, i) => {
    s.links.push(...p);
    s.close(weights?.[i] ?? 1);
  });
  return s;
}
const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('max-min fair sharing', () => {
  it('splits a shared link evenly', () => {
    const r = maxMinRates(flows([[0], [0]]), all(2), Float64Array.from([10]));
    expect([...r]).toEqual([5, 5]);
  });
  it('gives the unused share to flows not limited elsewhere (the classic example)', () => {
    // Flow 0 crosses links 0 and 1; flow 1 only link 0; flow 2 only link 1 (capacity 4).
    const r = maxMinRates(flows([[0, 1], [0], [1]]), all(3), Float64Array.from([10, 4]));
    expect(r[0]).toBeCloseTo(2);
    expect(r[2]).toBeCloseTo(2);
    expect(r[1]).toBeCloseTo(8);
  });
  it('never exceeds a link capacity and leaves every flow a bottleneck (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.double({ min: 1, max: 100, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (paths, caps) => {
          const set = flows(paths);
          const cap = Float64Array.from(caps);
          const r = maxMinRates(set, all(paths.length), cap);
          const load = new Float64Array(6);
          paths.forEach((p, f) => p.forEach((l) => (load[l] += r[f])));
          if ([...load].some((x, l) => x > cap[l] * (1 + 1e-9))) return false;
          // Each flow crosses a saturated link on which it has the largest rate.
          return paths.every((p, f) =>
            p.some((l) => load[l] >= cap[l] * (1 - 1e-9) && paths.every((q, g) => !q.includes(l) || r[g] <= r[f] * (1 + 1e-9))),
          );
        },
      ),
    );
  });
  it('drains flows and re-shares as they finish', () => {
    // Two flows on one link of 10: the small one (1 byte) ends at 0.2 s, the big one (3) then runs alone.
    const res = fluidCompletion(flows([[0], [0]], [1, 3]), Float64Array.from([10]));
    expect(res.secondsPerByte).toBeCloseTo(0.2 + 2 / 10, 9);
  });
});
