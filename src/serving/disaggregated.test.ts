import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { poissonArrivals, traceArrivals, type LengthDistribution, type Workload } from './arrivals.js';
import { runDisaggregated, type DisaggregatedConfig, type DisaggregatedResult, type PoolName } from './disaggregated.js';
import type { ReplicaConfig } from './replica-sim.js';
import { constantTimer, linearTimer } from '../../test/support/serving-timers.js';
import { expectConserved as expectConservedRequests } from '../../test/support/serving-conservation.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const fixed = (tokens: number): LengthDistribution => ({ kind: 'fixed', tokens });
const open = (requests: ReturnType<typeof poissonArrivals>): Workload => ({ kind: 'open', requests });
const pools = (prefill: ReplicaConfig, p: number, decode: ReplicaConfig, d: number, transferSeconds: DisaggregatedConfig['transferSeconds']): DisaggregatedConfig => ({
  prefill: Array.from({ length: p }, () => prefill),
  decode: Array.from({ length: d }, () => decode),
  transferSeconds,
});

/** Conservation over both pools: a finished reply was prefilled on a prefill worker, and decoded on a decode worker when longer than one token. */
function expectConserved(r: DisaggregatedResult): void {
  expect(r.inTransfer).toBeLessThanOrEqual(r.requests.running);
  expectConservedRequests(r, (i) => {
    expect(r.prefillWorker[i]).toBeGreaterThanOrEqual(0);
    if (r.records.outputTokens[i] > 1) expect(r.records.replica[i]).toBeGreaterThanOrEqual(0);
  });
}

describe('disaggregated prefill and decode', () => {
  it('conserves requests over both pools and never holds more KV, requests or tokens than a worker allows (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1_000_000 }),
          rate: fc.double({ min: 0.5, max: 60, noNaN: true }),
          maxPrompt: fc.integer({ min: 1, max: 3000 }),
          maxOutput: fc.integer({ min: 1, max: 400 }),
          prefillWorkers: fc.integer({ min: 1, max: 3 }),
          decodeWorkers: fc.integer({ min: 1, max: 3 }),
          prefillKv: fc.integer({ min: 16, max: 40_000 }),
          decodeKv: fc.integer({ min: 16, max: 40_000 }),
          prefillSeqs: fc.integer({ min: 1, max: 64 }),
          decodeSeqs: fc.integer({ min: 1, max: 64 }),
          // At least 16 tokens a step: a 1-token budget makes a 3,000-token prompt 3,000 steps, a slow case and no new path.
          prefillTokens: fc.integer({ min: 16, max: 4096 }),
          chunked: fc.boolean(),
          transferPerToken: fc.double({ min: 0, max: 1e-4, noNaN: true }),
          routing: fc.constantFrom('round-robin', 'least-outstanding', 'random') as fc.Arbitrary<'round-robin' | 'least-outstanding' | 'random'>,
          until: fc.option(fc.double({ min: 1, max: 30, noNaN: true }), { nil: undefined }),
        }),
        (p) => {
          const requests = poissonArrivals({ ratePerSecond: p.rate, durationSeconds: 20, prompt: { kind: 'uniform', minTokens: 1, maxTokens: p.maxPrompt }, output: { kind: 'uniform', minTokens: 1, maxTokens: p.maxOutput }, seed: p.seed });
          const prefill: ReplicaConfig = { kvBudgetTokens: p.prefillKv, maxNumSeqs: p.prefillSeqs, maxBatchedTokens: p.prefillTokens, policy: p.chunked ? 'chunked-prefill' : 'prefill-first', timer: linearTimer(0.004, 2e-5, 1e-8) };
          const decode: ReplicaConfig = { kvBudgetTokens: p.decodeKv, maxNumSeqs: p.decodeSeqs, timer: linearTimer(0.004, 2e-5, 1e-8) };
          const limits: Record<PoolName, { kv: number; seqs: number }> = { prefill: { kv: p.prefillKv, seqs: p.prefillSeqs }, decode: { kv: p.decodeKv, seqs: p.decodeSeqs } };
          const broken: string[] = [];
          const lastStart = { prefill: 0, decode: 0 };
          const config = { ...pools(prefill, p.prefillWorkers, decode, p.decodeWorkers, (tokens: number) => 1e-3 + tokens * p.transferPerToken), prefillRouting: p.routing, decodeRouting: p.routing, routingSeed: p.seed };
          const r = runDisaggregated(open(requests), config, {
            untilSeconds: p.until,
            observe: (s) => {
              const l = limits[s.pool];
              if (s.kvBlocksTotal !== Math.floor(l.kv / 16) || s.kvBlocksUsed > s.kvBlocksTotal || s.kvBlocksUsed < 0) broken.push(`${s.pool} KV ${s.kvBlocksUsed}/${s.kvBlocksTotal} at ${s.startSeconds}`);
              if (s.batch.prefillRequests + s.batch.decodeRequests > l.seqs || s.runningRequests > l.seqs) broken.push(`${s.pool} batch over maxNumSeqs at ${s.startSeconds}`);
              if (s.pool === 'prefill' && p.chunked && s.batch.prefillTokens + s.batch.decodeRequests > p.prefillTokens) broken.push(`tokens over maxBatchedTokens at ${s.startSeconds}`);
              // A prefill worker's requests end with their first token: it never decodes.
              if (s.pool === 'prefill' && s.batch.decodeRequests > 0) broken.push(`a prefill worker decoded at ${s.startSeconds}`);
              if (s.startSeconds < lastStart[s.pool] || !(s.endSeconds > s.startSeconds)) broken.push(`time went back at ${s.startSeconds}`);
              lastStart[s.pool] = s.startSeconds;
            },
          });
          expect(broken.slice(0, 3)).toEqual([]);
          expectConserved(r);
          expect(r.requests.arrived).toBe(p.until === undefined ? requests.arrivalSeconds.length : requests.arrivalSeconds.filter((t) => t <= p.until!).length);
          if (p.until === undefined) expect(r.requests.running + r.requests.waiting + r.inTransfer).toBe(0);
          for (const pool of [r.pools.prefill, r.pools.decode]) {
            expect(pool.kvUtilization.max).toBeLessThanOrEqual(1);
            expect(pool.busyFraction).toBeLessThanOrEqual(1 + 1e-9);
          }
          expect(r.preemptions).toBe(r.pools.prefill.preemptions + r.pools.decode.preemptions);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('times one request by hand: TTFT is the prefill step, then the transfer, then one decode step a token', () => {
    // 10 ms prefill step, 50 ms transfer, 4 ms decode steps; 5 output tokens: the prefill samples the first.
    const requests = traceArrivals([{ arrivalSeconds: 1, promptTokens: 100, outputTokens: 5 }]);
    const r = runDisaggregated(open(requests), pools({ kvBudgetTokens: 4096, timer: constantTimer(0.01) }, 1, { kvBudgetTokens: 4096, timer: constantTimer(0.004) }, 1, () => 0.05));
    expect(r.ttftSeconds.mean).toBeCloseTo(0.01, 12);
    expect(r.e2eSeconds.mean).toBeCloseTo(0.01 + 0.05 + 4 * 0.004, 12);
    expect(r.tpotSeconds.mean).toBeCloseTo((0.05 + 4 * 0.004) / 4, 12);
    expect(r.kvTransferSeconds.mean).toBeCloseTo(0.05, 12);
    expect(r.kvWaitSeconds.mean).toBe(0);
    expect(r.pools.prefill.steps).toBe(1);
    expect(r.pools.decode.steps).toBe(4);
    // A 1-token reply ends at the prefill worker: no transfer, no decode.
    const one = runDisaggregated(open(traceArrivals([{ arrivalSeconds: 0, promptTokens: 100, outputTokens: 1 }])), pools({ kvBudgetTokens: 4096, timer: constantTimer(0.01) }, 1, { kvBudgetTokens: 4096, timer: constantTimer(0.004) }, 1, () => 0.05));
    expect(one.e2eSeconds.mean).toBeCloseTo(0.01, 12);
    expect(one.kvTransferSeconds.count).toBe(0);
    expect(one.pools.decode.steps).toBe(0);
  });

  it('at light load TPOT is the decode worker step time plus the transfer spread over the reply, and TTFT includes the prefill', () => {
    const requests = poissonArrivals({ ratePerSecond: 0.05, durationSeconds: 2000, prompt: fixed(1000), output: fixed(201), seed: 3 });
    const prefill: ReplicaConfig = { kvBudgetTokens: 1 << 16, timer: linearTimer(0.005, 1e-4) };
    const decode: ReplicaConfig = { kvBudgetTokens: 1 << 16, timer: constantTimer(0.02) };
    const r = runDisaggregated(open(requests), pools(prefill, 1, decode, 1, () => 0));
    // Requests 20 s apart on average, each about 4 s long, mostly run alone; the median request runs alone.
    expect(r.tpotSeconds.p50).toBeCloseTo(0.02, 9);
    expect(r.ttftSeconds.p50).toBeCloseTo(0.005 + 1000 * 1e-4, 9);
  });

  it('holds the KV on both sides while it moves: a prefill worker full of held KV waits for the transfer', () => {
    // The prefill worker holds one 100-token prompt (8 blocks of 16); the second waits for the first's 1 s transfer to end.
    const requests = traceArrivals([
      { arrivalSeconds: 0, promptTokens: 100, outputTokens: 3 },
      { arrivalSeconds: 0, promptTokens: 100, outputTokens: 3 },
    ]);
    const seen: number[] = [];
    const r = runDisaggregated(open(requests), pools({ kvBudgetTokens: 128, timer: constantTimer(0.01) }, 1, { kvBudgetTokens: 4096, timer: constantTimer(0.01) }, 1, () => 1), {
      observe: (s) => {
        if (s.pool === 'decode') seen.push(s.kvBlocksUsed);
      },
    });
    expect(r.records.firstTokenSeconds[0]).toBeCloseTo(0.01, 12);
    expect(r.records.firstTokenSeconds[1]).toBeCloseTo(1.02, 12);
    expect(r.requests.finished).toBe(2);
    // The decode worker took the prompt's 7 blocks (101 tokens) when the transfer began.
    expect(seen[0]).toBe(7);
  });

  it('waits for a decode worker sequence slot before moving the KV', () => {
    const requests = traceArrivals([
      { arrivalSeconds: 0, promptTokens: 16, outputTokens: 11 },
      { arrivalSeconds: 0, promptTokens: 16, outputTokens: 11 },
    ]);
    const r = runDisaggregated(open(requests), pools({ kvBudgetTokens: 4096, timer: constantTimer(0.01) }, 1, { kvBudgetTokens: 4096, maxNumSeqs: 1, timer: constantTimer(0.01) }, 1, () => 0.001));
    // The second's transfer waits for the first's ten decode steps.
    expect(r.kvWaitSeconds.p50).toBeCloseTo((0 + 0.001 + 10 * 0.01) / 2, 9);
    expectConserved(r);
  });

  it('rejects on arrival a request no decode worker can hold, with the kv-budget reason', () => {
    const requests = traceArrivals([
      { arrivalSeconds: 0, promptTokens: 100, outputTokens: 10 },
      { arrivalSeconds: 0.1, promptTokens: 1000, outputTokens: 100 },
    ]);
    const r = runDisaggregated(open(requests), pools({ kvBudgetTokens: 1 << 16, timer: constantTimer(0.01) }, 1, { kvBudgetTokens: 1024, timer: constantTimer(0.01) }, 1, () => 0));
    expect(r.requests).toEqual({ arrived: 2, finished: 1, running: 0, waiting: 0, rejected: 1 });
    expect(r.rejections).toEqual([{ reason: expect.stringMatching(/^kv-budget/), count: 1 }]);
    expect(() => runDisaggregated(open(requests), { prefill: [], decode: [{ kvBudgetTokens: 64, timer: constantTimer(1) }], transferSeconds: () => 0 })).toThrow(/prefill/);
    expect(() => runDisaggregated(open(requests), { prefill: [{ kvBudgetTokens: 64, timer: constantTimer(1) }], decode: [], transferSeconds: () => 0 })).toThrow(/decode/);
  });

  it('is deterministic per seed, and a closed loop sends each client next request when its last ends', () => {
    const run = (seed: number) =>
      runDisaggregated(
        { kind: 'closed', concurrency: 12, prompt: { kind: 'uniform', minTokens: 10, maxTokens: 900 }, output: { kind: 'uniform', minTokens: 1, maxTokens: 200 }, seed, requests: 120 },
        { ...pools({ kvBudgetTokens: 8000, timer: linearTimer(0.005, 3e-5) }, 2, { kvBudgetTokens: 8000, maxNumSeqs: 8, timer: linearTimer(0.005, 3e-5) }, 3, (t) => t * 1e-5), decodeRouting: 'random', routingSeed: seed },
      );
    const a = run(7);
    expect(a).toEqual(run(7));
    expect(run(8).e2eSeconds).not.toEqual(a.e2eSeconds);
    expect(a.requests.finished).toBe(120);
  });

  it('more transfer bandwidth is never slower: one request at a time, every request ends no later (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 1e-7, max: 1e-4, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true }), (seed, perToken, speedup) => {
        const loop: Workload = { kind: 'closed', concurrency: 1, prompt: { kind: 'uniform', minTokens: 1, maxTokens: 4000 }, output: { kind: 'uniform', minTokens: 1, maxTokens: 50 }, seed, requests: 20 };
        const run = (s: number) => runDisaggregated(loop, pools({ kvBudgetTokens: 1 << 14, timer: linearTimer(0.005, 3e-5) }, 1, { kvBudgetTokens: 1 << 14, timer: linearTimer(0.005, 3e-5) }, 1, (t) => (t * perToken) / s));
        const slow = run(1);
        const fast = run(speedup);
        for (let i = 0; i < 20; i++) expect(fast.records.finishSeconds[i]).toBeLessThanOrEqual(slow.records.finishSeconds[i] + 1e-12);
        // Relative slack for rounding: a speedup a hair above 1 can sum the same transfers to one ulp more.
        expect(fast.kvTransferSeconds.mean).toBeLessThanOrEqual(slow.kvTransferSeconds.mean * (1 + 1e-12));
      }),
      { numRuns: RUNS },
    );
  });
});
