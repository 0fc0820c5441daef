import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortFloat64 } from './float-sort.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);

/** The bits of each value, so that -0 and +0 (and NaN) are told apart. */
const bits = (a: Float64Array): string => Array.from(new Uint32Array(a.buffer, a.byteOffset, 2 * a.length)).join(',');

describe('sortFloat64', () => {
  it('gives exactly the built-in sort, bit for bit, -0, infinities and NaN included (property)', () => {
    const value = fc.oneof(fc.double(), fc.constantFrom(0, -0, Infinity, -Infinity, NaN, 1e-310, -1e-310), fc.double({ min: 0, max: 10, noNaN: true }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 2048, maxLength: 6000 }), (xs) => {
        const a = Float64Array.from(xs);
        const b = Float64Array.from(xs);
        sortFloat64(a);
        b.sort();
        expect(bits(a)).toBe(bits(b));
      }),
      { numRuns: RUNS },
    );
  });

  it('sorts latencies of a narrow range (the digits every key shares are skipped) and short arrays', () => {
    const a = Float64Array.from({ length: 5000 }, (_, i) => 0.02 + ((i * 7919) % 5000) * 1e-9);
    const b = a.slice().sort();
    expect(Array.from(sortFloat64(a))).toEqual(Array.from(b));
    expect(Array.from(sortFloat64(Float64Array.from([3, -1, 2])))).toEqual([-1, 2, 3]);
  });
});
