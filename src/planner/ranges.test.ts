import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClusterTwinError } from '../errors.js';
import { isList, parseRange } from './ranges.js';

describe('parseRange', () => {
  it.each([
    ['512', [512]],
    ['512,1024,4096', [512, 1024, 4096]],
    ['512..16384', [512, 1024, 2048, 4096, 8192, 16384]],
    ['512..3000', [512, 1024, 2048]],
    ['256..1024:256', [256, 512, 768, 1024]],
    ['16K..64K', [16e3, 32e3, 64e3]],
    ['8,16..64,8', [8, 16, 32, 64]],
  ])('%s', (text, values) => expect(parseRange(text, '--gpus', { integer: true })).toEqual(values));

  it('accepts fractional steps for fields that are not counts', () => {
    expect(parseRange('1..2:0.25', '--set')).toEqual([1, 1.25, 1.5, 1.75, 2]);
  });

  it.each([
    ['', /empty item/],
    ['8,,16', /empty item/],
    ['lots', /"lots" is not a positive number/],
    ['0', /not a positive number/],
    ['1.5', /not a whole number/],
    ['64..8', /ends before it starts/],
    ['1..1e9:1', /more than/],
  ])('rejects %j naming the flag', (text, message) => {
    let err: unknown;
    try {
      parseRange(text, '--gpus', { integer: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClusterTwinError);
    expect((err as ClusterTwinError).path).toBe('--gpus');
    expect((err as ClusterTwinError).message).toMatch(message);
  });

  it('doubling ranges stay within their ends and start at the start', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 0, max: 1 << 20 }), (from, extra) => {
        const to = from + extra;
        const vs = parseRange(`${from}..${to}`, '--gpus', { integer: true });
        expect(vs[0]).toBe(from);
        for (const v of vs) expect(v).toBeLessThanOrEqual(to);
        expect(vs[vs.length - 1] * 2).toBeGreaterThan(to);
      }),
    );
  });

  it('tells lists from single values', () => {
    expect(isList('8,16')).toBe(true);
    expect(isList('8..64')).toBe(true);
    expect(isList('8')).toBe(false);
    expect(isList(undefined)).toBe(false);
  });
});
