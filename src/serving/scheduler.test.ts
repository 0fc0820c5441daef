import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { poissonArrivals } from './arrivals.js';
import type { BatchShape } from './batch.js';
import { RequestStore } from './request-store.js';
import { ReplicaScheduler, type SchedulerConfig } from './scheduler.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);

/** The scheduler with the clock's step turned off: every step takes the general pass in admission order. */
class GeneralPassOnly extends ReplicaScheduler {
  protected override scheduleRunning(s: RequestStore, budget: number): number {
    return this.scheduleRunningInOrder(s, budget);
  }
}

/** Drives one scheduler over a table of arrivals (a step takes 4 ms + 20 us a token); returns every step's batch and the store. */
function drive(scheduler: ReplicaScheduler, table: ReturnType<typeof poissonArrivals>): { steps: string[]; store: RequestStore } {
  const store = new RequestStore(table.arrivalSeconds.length);
  const steps: string[] = [];
  let next = 0;
  let t = 0;
  for (let guard = 0; guard < 200_000; guard++) {
    while (next < table.arrivalSeconds.length && table.arrivalSeconds[next] <= t) {
      const r = store.add(table.arrivalSeconds[next], table.promptTokens[next], table.outputTokens[next]);
      next++;
      scheduler.admit(store, r);
    }
    const b: BatchShape | null = scheduler.schedule(store);
    if (!b) {
      if (next === table.arrivalSeconds.length) break;
      t = table.arrivalSeconds[next];
      continue;
    }
    t += 0.004 + 2e-5 * (b.prefillTokens + b.decodeRequests);
    const sampled = scheduler.commit(store, t);
    steps.push(`${JSON.stringify(b)} sampled ${sampled} finished ${scheduler.finishedCount} free ${scheduler.freeBlocks} running ${scheduler.runningCount} waiting ${scheduler.waiting.length}`);
  }
  return { steps, store };
}

describe('replica scheduler', () => {
  it("the clock's step (no pass over the decodes) gives exactly what the general pass gives, step by step (property)", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1_000_000 }),
          rate: fc.double({ min: 1, max: 200, noNaN: true }),
          maxPrompt: fc.integer({ min: 1, max: 3000 }),
          maxOutput: fc.integer({ min: 1, max: 600 }),
          kvBudgetTokens: fc.integer({ min: 16, max: 60_000 }),
          blockTokens: fc.integer({ min: 1, max: 32 }),
          maxNumSeqs: fc.integer({ min: 1, max: 256 }),
          maxBatchedTokens: fc.integer({ min: 1, max: 4096 }),
          chunked: fc.boolean(),
        }),
        (p) => {
          const table = poissonArrivals({ ratePerSecond: p.rate, durationSeconds: 10, prompt: { kind: 'uniform', minTokens: 1, maxTokens: p.maxPrompt }, output: { kind: 'uniform', minTokens: 1, maxTokens: p.maxOutput }, seed: p.seed });
          const config: SchedulerConfig = { kvBudgetTokens: Math.max(p.kvBudgetTokens, p.blockTokens), blockTokens: p.blockTokens, maxNumSeqs: p.maxNumSeqs, maxBatchedTokens: p.maxBatchedTokens, policy: p.chunked ? 'chunked-prefill' : 'prefill-first' };
          const fast = drive(new ReplicaScheduler(config), table);
          const general = drive(new GeneralPassOnly(config), table);
          expect(fast.steps).toEqual(general.steps);
          for (const k of ['state', 'generated', 'firstTokenSeconds', 'finishSeconds', 'preemptions', 'rejectReason'] as const) expect(fast.store[k]).toEqual(general.store[k]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a decode-only step touches no request: finishing requests come off the wheel in the step they end', () => {
    // Two requests of 1-token prompts: after their prefill step every step is a clock step; the 3-token one finishes first.
    const s = new RequestStore();
    const q = new ReplicaScheduler({ kvBudgetTokens: 1024, blockTokens: 2 });
    q.admit(s, s.add(0, 1, 3));
    q.admit(s, s.add(0, 1, 5));
    const shapes: string[] = [];
    for (let t = 1; t < 10; t++) {
      const b = q.schedule(s);
      if (!b) break;
      q.commit(s, t);
      shapes.push(`${b.prefillTokens}/${b.decodeRequests}/${b.decodeContextTokens}/${q.finishedCount}/${q.usedBlocks}`);
    }
    // Prefill 2 tokens; then each decode attends to its 2, 3, ... tokens; blocks of 2 tokens grow every other step, and a finish frees its own at commit.
    expect(shapes).toEqual(['2/0/0/0/2', '0/2/4/0/2', '0/2/6/1/2', '0/1/4/0/2', '0/1/5/1/0']);
  });
});
