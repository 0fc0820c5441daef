import { describe, expect, it } from 'vitest';
import { seededRng } from '../reliability/prng.js';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('pops in time order, equal times in push order, over random pushes and pops (property)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = seededRng(seed);
      const q = new EventQueue();
      const ref: Array<{ t: number; s: number }> = [];
      let s = 0;
      for (let step = 0; step < 3000; step++) {
        if (ref.length === 0 || rng.next() < 0.6) {
          // Coarse times so that ties happen.
          const t = Math.floor(rng.next() * 50);
          q.push(t, 0, s);
          ref.push({ t, s: s++ });
        } else {
          ref.sort((a, b) => a.t - b.t || a.s - b.s);
          const want = ref.shift()!;
          expect(q.pop()).toBe(true);
          expect([q.time, q.a]).toEqual([want.t, want.s]);
        }
      }
      expect(q.size).toBe(ref.length);
    }
  });

  it('is empty when drained', () => {
    const q = new EventQueue();
    q.push(1, 2, 3, 4);
    expect(q.pop()).toBe(true);
    expect([q.time, q.kind, q.a, q.b]).toEqual([1, 2, 3, 4]);
    expect(q.pop()).toBe(false);
  });
});
