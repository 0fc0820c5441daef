/** The scheduler's prefix caching: a prefix every prompt shares, its whole blocks served from the KV cache. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatchShape } from './batch.js';
import { RequestState, RequestStore } from './request-store.js';
import { ReplicaScheduler, SCHEDULER_POLICIES, type SchedulerConfig } from './scheduler.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);

/** Runs every request to its end on one scheduler (all arriving at 0, steps of 1 s); returns the steps' batches. */
function drain(config: SchedulerConfig, requests: readonly [prompt: number, output: number][]): { sched: ReplicaScheduler; store: RequestStore; steps: BatchShape[] } {
  const sched = new ReplicaScheduler(config);
  const store = new RequestStore();
  for (const [p, o] of requests) sched.admit(store, store.add(0, p, o));
  const steps: BatchShape[] = [];
  for (let t = 1; ; t++) {
    const b = sched.schedule(store);
    if (!b) break;
    steps.push({ ...b });
    if (sched.usedBlocks > sched.totalBlocks) throw new Error(`step ${t}: ${sched.usedBlocks} blocks used of ${sched.totalBlocks}`);
    sched.commit(store, t);
    if (t > 1e6) throw new Error('no end');
  }
  return { sched, store, steps };
}

describe('prefix caching in the scheduler', () => {
  it('prefills only past the cached whole blocks, and attends to them as context', () => {
    // 100-token prompt, 70-token shared prefix: 4 whole blocks (64 tokens) cached, 36 prefilled.
    const { steps, sched } = drain({ kvBudgetTokens: 16 * 100, prefixCacheTokens: 70 }, [[100, 3]]);
    expect(sched.prefixBlocks).toBe(4);
    expect(steps[0]).toMatchObject({ prefillTokens: 36, prefillRequests: 1, prefillPriorTokens: 64 });
    const off = drain({ kvBudgetTokens: 16 * 100 }, [[100, 3]]).steps;
    expect(off[0]).toMatchObject({ prefillTokens: 100, prefillPriorTokens: 0 });
  });

  it("recomputes a prompt's last block when the prefix covers all of it (the last token needs its logits)", () => {
    const { steps } = drain({ kvBudgetTokens: 16 * 100, prefixCacheTokens: 64 }, [[64, 2]]);
    // 63 tokens could be reused, 3 whole blocks of them: 16 prefilled.
    expect(steps[0]).toMatchObject({ prefillTokens: 16, prefillPriorTokens: 48 });
  });

  it('holds the prefix once: requests share its blocks, and every other block comes back', () => {
    const r = drain({ kvBudgetTokens: 16 * 1000, prefixCacheTokens: 320, maxBatchedTokens: 100_000 }, Array.from({ length: 10 }, () => [400, 50] as [number, number]));
    // One step admits all ten: 20 shared blocks, and each its own ceil(401/16) - 20 = 6.
    expect(r.steps[1].decodeRequests).toBe(10);
    expect(r.sched.usedBlocks).toBe(20);
    expect(r.sched.freeBlocks).toBe(r.sched.totalBlocks - 20);
  });

  it('refuses a prefix that leaves no block for requests', () => {
    expect(() => new ReplicaScheduler({ kvBudgetTokens: 160, prefixCacheTokens: 160 })).toThrow(/prefixCacheTokens/);
    expect(() => new ReplicaScheduler({ kvBudgetTokens: 160, prefixCacheTokens: -1 })).toThrow(/prefixCacheTokens/);
  });

  it('finishes every request, never holds more blocks than it has, and gives back all but the prefix, under every policy (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          prefix: fc.integer({ min: 0, max: 600 }),
          extra: fc.array(fc.tuple(fc.integer({ min: 1, max: 800 }), fc.integer({ min: 1, max: 200 })), { minLength: 1, maxLength: 40 }),
          kvBlocks: fc.integer({ min: 60, max: 600 }),
          maxNumSeqs: fc.integer({ min: 1, max: 32 }),
          maxBatchedTokens: fc.integer({ min: 1500, max: 4096 }),
          policy: fc.constantFrom(...SCHEDULER_POLICIES),
        }),
        (p) => {
          const requests = p.extra.map(([e, o]) => [p.prefix + e, o] as [number, number]);
          const config: SchedulerConfig = { kvBudgetTokens: 16 * p.kvBlocks, prefixCacheTokens: p.prefix, maxNumSeqs: p.maxNumSeqs, maxBatchedTokens: p.maxBatchedTokens, policy: p.policy };
          if (Math.floor(p.prefix / 16) >= p.kvBlocks) return true;
          const { sched, store } = drain(config, requests);
          for (let r = 0; r < store.count; r++) {
            if (store.state[r] !== RequestState.finished && store.state[r] !== RequestState.rejected) return false;
            if (store.state[r] === RequestState.finished && store.generated[r] !== store.outputTokens[r]) return false;
          }
          return sched.usedBlocks === sched.prefixBlocks && sched.runningCount === 0;
        },
      ),
      { numRuns: RUNS },
    );
  });
});
