import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { poissonArrivals, traceArrivals, type LengthDistribution, type Workload } from './arrivals.js';
import { simulateReplica, type ReplicaConfig, type SimulationOptions } from './replica-sim.js';
import { RequestState } from './request-store.js';
import { SCHEDULER_POLICIES } from './scheduler.js';
import { constantTimer, linearTimer } from '../../test/support/serving-timers.js';
import { expectConserved } from '../../test/support/serving-conservation.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const fixed = (tokens: number): LengthDistribution => ({ kind: 'fixed', tokens });
const open = (requests: ReturnType<typeof poissonArrivals>): Workload => ({ kind: 'open', requests });

describe('serving simulation of one replica', () => {
  it('conserves requests and never holds more KV, tokens or requests a step than its limits (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1_000_000 }),
          rate: fc.double({ min: 0.5, max: 60, noNaN: true }),
          maxPrompt: fc.integer({ min: 1, max: 3000 }),
          maxOutput: fc.integer({ min: 1, max: 400 }),
          kvBudgetTokens: fc.integer({ min: 16, max: 40_000 }),
          maxNumSeqs: fc.integer({ min: 1, max: 64 }),
          maxBatchedTokens: fc.integer({ min: 1, max: 4096 }),
          policy: fc.constantFrom(...SCHEDULER_POLICIES),
          until: fc.option(fc.double({ min: 1, max: 30, noNaN: true }), { nil: undefined }),
        }),
        (p) => {
          const requests = poissonArrivals({ ratePerSecond: p.rate, durationSeconds: 20, prompt: { kind: 'uniform', minTokens: 1, maxTokens: p.maxPrompt }, output: { kind: 'uniform', minTokens: 1, maxTokens: p.maxOutput }, seed: p.seed });
          const replica: ReplicaConfig = { kvBudgetTokens: p.kvBudgetTokens, maxNumSeqs: p.maxNumSeqs, maxBatchedTokens: p.maxBatchedTokens, policy: p.policy, timer: linearTimer(0.004, 2e-5, 1e-8) };
          const totalBlocks = Math.floor(p.kvBudgetTokens / 16);
          let lastStart = 0;
          // Plain comparisons in the step hook (an expect a step would dominate the run), one expect after.
          const broken: string[] = [];
          const r = simulateReplica(open(requests), replica, {
            untilSeconds: p.until,
            observe: (s) => {
              if (s.kvBlocksTotal !== totalBlocks || s.kvBlocksUsed > totalBlocks || s.kvBlocksUsed * 16 > p.kvBudgetTokens) broken.push(`KV ${s.kvBlocksUsed}/${s.kvBlocksTotal} at ${s.startSeconds}`);
              if (s.batch.prefillRequests + s.batch.decodeRequests > p.maxNumSeqs || s.runningRequests > p.maxNumSeqs) broken.push(`batch over maxNumSeqs at ${s.startSeconds}`);
              // Policies that mix prompts with decodes hold the whole step to the budget; SGLang's prefill batches hold their prompts to it, and never carry a decode.
              if ((p.policy === 'chunked-prefill' || p.policy === 'whole-prompt') && s.batch.prefillTokens + s.batch.decodeRequests > p.maxBatchedTokens) broken.push(`tokens over maxBatchedTokens at ${s.startSeconds}`);
              if (p.policy === 'prefill-batches' && s.batch.prefillTokens > 0 && (s.batch.decodeRequests > 0 || s.batch.prefillTokens > p.maxBatchedTokens)) broken.push(`a prefill batch over its budget or with decodes at ${s.startSeconds}`);
              if (s.startSeconds < lastStart || !(s.endSeconds > s.startSeconds)) broken.push(`time went back at ${s.startSeconds}`);
              lastStart = s.startSeconds;
            },
          });
          expect(broken.slice(0, 3)).toEqual([]);
          expectConserved(r);
          expect(r.requests.arrived).toBe(p.until === undefined ? requests.arrivalSeconds.length : requests.arrivalSeconds.filter((t) => t <= p.until!).length);
          // Without an end time everything that fits finishes.
          if (p.until === undefined) expect(r.requests.running + r.requests.waiting).toBe(0);
          expect(r.kvUtilization.max).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('rejects a request that can never fit, with its reason, and serves the rest', () => {
    const requests = traceArrivals([
      { arrivalSeconds: 0, promptTokens: 100, outputTokens: 10 },
      { arrivalSeconds: 0.1, promptTokens: 1000, outputTokens: 100 }, // 69 blocks > 64
      { arrivalSeconds: 0.2, promptTokens: 100, outputTokens: 10 },
    ]);
    const r = simulateReplica(open(requests), { kvBudgetTokens: 1024, timer: constantTimer(0.01) });
    expect(r.requests).toEqual({ arrived: 3, finished: 2, running: 0, waiting: 0, rejected: 1 });
    expect(r.rejections).toEqual([{ reason: expect.stringMatching(/^kv-budget/), count: 1 }]);
    expect(r.records.rejectReason[1]).toBeGreaterThan(0);
    const pf = simulateReplica(open(requests), { kvBudgetTokens: 1 << 20, maxBatchedTokens: 512, policy: 'prefill-first', timer: constantTimer(0.01) });
    expect(pf.rejections).toEqual([{ reason: expect.stringMatching(/^step-tokens/), count: 1 }]);
  });

  it('times each request by its steps: TTFT, TPOT and end-to-end on a hand-worked case', () => {
    // One request, 100-token prompt, 5 output tokens, 10 ms a step: the prefill step samples token 1, four decodes the rest.
    const requests = traceArrivals([
      { arrivalSeconds: 1, promptTokens: 100, outputTokens: 5 },
      { arrivalSeconds: 5, promptTokens: 100, outputTokens: 1 },
    ]);
    const r = simulateReplica(open(requests), { kvBudgetTokens: 4096, timer: constantTimer(0.01) });
    expect(r.ttftSeconds.mean).toBeCloseTo(0.01, 12);
    expect(r.records.finishSeconds[0] - r.records.arrivalSeconds[0]).toBeCloseTo(0.05, 12);
    // The 1-token reply has no TPOT and is left out of it.
    expect(r.tpotSeconds.count).toBe(1);
    expect(r.tpotSeconds.mean).toBeCloseTo(0.01, 12);
    expect(r.steps).toBe(6);
    // The idle replica jumped from 1.05 s to the arrival at 5 s.
    expect(r.records.finishSeconds[1]).toBeCloseTo(5.01, 12);
  });

  it('is deterministic per seed: the same seed gives the same result, another seed another', () => {
    const run = (seed: number) =>
      simulateReplica(
        open(poissonArrivals({ ratePerSecond: 20, durationSeconds: 30, prompt: { kind: 'uniform', minTokens: 10, maxTokens: 900 }, output: { kind: 'uniform', minTokens: 1, maxTokens: 200 }, seed })),
        { kvBudgetTokens: 8000, maxNumSeqs: 32, timer: linearTimer(0.005, 3e-5) },
      );
    expect(run(7)).toEqual(run(7));
    expect(run(8).e2eSeconds).not.toEqual(run(7).e2eSeconds);
  });

  it('saturated throughput matches the step model: a closed loop at concurrency C does C / step time', () => {
    // Decode-only steady state: with 1-token prompts a new request's prefill costs what a decode does,
    // so every step has C requests each sampling one token; tolerance 1% for the warm-up edge.
    const C = 48;
    const loop = (output: LengthDistribution): Workload => ({ kind: 'closed', concurrency: C, prompt: fixed(1), output, seed: 1 });
    const opts: SimulationOptions = { warmupSeconds: 20, untilSeconds: 220 };
    const constant = simulateReplica(loop(fixed(300)), { kvBudgetTokens: 1 << 20, timer: constantTimer(0.02) }, opts);
    expect(Math.abs(constant.outputTokensPerSecond / (C / 0.02) - 1)).toBeLessThan(0.01);
    const linear = simulateReplica(loop({ kind: 'uniform', minTokens: 50, maxTokens: 500 }), { kvBudgetTokens: 1 << 20, timer: linearTimer(0.01, 1e-4) }, opts);
    expect(Math.abs(linear.outputTokensPerSecond / (C / (0.01 + C * 1e-4)) - 1)).toBeLessThan(0.01);
    // Longer prompts add prefill to steps: throughput can only drop below the decode bound.
    const prompts = simulateReplica({ kind: 'closed', concurrency: C, prompt: fixed(400), output: fixed(300), seed: 1 }, { kvBudgetTokens: 1 << 20, timer: linearTimer(0.01, 1e-4) }, opts);
    expect(prompts.outputTokensPerSecond).toBeLessThan(C / (0.01 + C * 1e-4));
    // max_num_seqs caps the batch: a loop wider than it runs at the cap.
    const capped = simulateReplica({ kind: 'closed', concurrency: 64, prompt: fixed(1), output: fixed(300), seed: 1 }, { kvBudgetTokens: 1 << 20, maxNumSeqs: 16, timer: constantTimer(0.02) }, opts);
    expect(Math.abs(capped.outputTokensPerSecond / (16 / 0.02) - 1)).toBeLessThan(0.01);
  });

  it('TTFT grows with load under Poisson arrivals (queueing)', () => {
    // Capacity with this timer is about 25 requests/s (200-token replies, ~40 ms steps near saturation).
    const at = (rate: number) =>
      simulateReplica(open(poissonArrivals({ ratePerSecond: rate, durationSeconds: 400, prompt: fixed(256), output: fixed(200), seed: 11 })), { kvBudgetTokens: 1 << 20, maxNumSeqs: 256, timer: linearTimer(0.01, 1e-4, 1e-7) }, { warmupSeconds: 50 });
    const results = [2, 10, 18, 24].map(at);
    for (let i = 1; i < results.length; i++) {
      expect(results[i].ttftSeconds.mean).toBeGreaterThan(results[i - 1].ttftSeconds.mean);
      expect(results[i].ttftSeconds.p99).toBeGreaterThan(results[i - 1].ttftSeconds.p99);
    }
    for (const r of results) expectConserved(r);
  });

  it("SGLang's prefill batches keep a closed loop's clients in step; vLLM's chunked prefill lets them drift apart", () => {
    // 16 clients, 1,024-token prompts, 8,192 tokens a step: the first burst prefills in two steps.
    // With prefill batches the first eight decode nothing during the second prefill, so all
    // sixteen finish on one step and come back together, round after round. Chunked prefill lets
    // the first eight decode beside the second chunk, so they finish a step early and the
    // rounds spread out: later prompts meet a step of decodes, not a wave of prompts.
    const loop: Workload = { kind: 'closed', concurrency: 16, prompt: { kind: 'fixed', tokens: 1024 }, output: { kind: 'fixed', tokens: 64 }, seed: 1, requests: 16 * 10 };
    const timer = linearTimer(0.005, 5e-5);
    const distinctFinishes = (policy: 'prefill-batches' | 'chunked-prefill') => {
      const r = simulateReplica(loop, { kvBudgetTokens: 1 << 20, maxBatchedTokens: 8192, policy, timer });
      expectConserved(r);
      return new Set(Array.from(r.records.finishSeconds)).size;
    };
    // Distinct finish times: two waves-worth a round when locked, many more when drifting.
    expect(distinctFinishes('prefill-batches')).toBe(10);
    expect(distinctFinishes('chunked-prefill')).toBeGreaterThan(20);
  });

  it('whole-prompt (TensorRT-LLM) never splits a prompt, and refuses one longer than a step', () => {
    const requests = poissonArrivals({ ratePerSecond: 40, durationSeconds: 10, prompt: { kind: 'uniform', minTokens: 100, maxTokens: 3000 }, output: { kind: 'fixed', tokens: 20 }, seed: 3 });
    let split = 0;
    const r = simulateReplica(open(requests), { kvBudgetTokens: 1 << 22, maxBatchedTokens: 2048, policy: 'whole-prompt', timer: linearTimer(0.005, 2e-5) }, { observe: (o) => void (split += o.batch.prefillPriorTokens) });
    expect(split).toBe(0);
    expectConserved(r);
    const longer = Array.from(requests.promptTokens).filter((p) => p > 2048).length;
    expect(longer).toBeGreaterThan(0);
    expect(r.requests.rejected).toBe(longer);
  });

  it('preempts when the KV budget is tight and never when it is ample', () => {
    const load = open(poissonArrivals({ ratePerSecond: 20, durationSeconds: 60, prompt: { kind: 'uniform', minTokens: 50, maxTokens: 500 }, output: { kind: 'uniform', minTokens: 50, maxTokens: 500 }, seed: 4 }));
    for (const policy of SCHEDULER_POLICIES) {
      const tight = simulateReplica(load, { kvBudgetTokens: 6000, maxNumSeqs: 64, policy, timer: linearTimer(0.01, 1e-4) });
      expect(tight.preemptions).toBeGreaterThan(0);
      expect(tight.records.preemptions.reduce((a, x) => a + x, 0)).toBe(tight.preemptions);
      expectConserved(tight);
      expect(tight.requests.finished).toBe(tight.requests.arrived);
      // Ample: 64 requests at their largest (1000 tokens, 63 blocks) fit at once.
      const ample = simulateReplica(load, { kvBudgetTokens: 64 * 63 * 16, maxNumSeqs: 64, policy, timer: linearTimer(0.01, 1e-4) });
      expect(ample.preemptions).toBe(0);
    }
  });

  it('chunked prefill lowers the TPOT tail against whole-prompt prefill on a mixed load', () => {
    // Test double: 5 ms a step plus 50 us a token, so a whole 4,096-token prompt stalls every decode ~200 ms,
    // while a 512-token chunk costs ~31 ms.
    const load = open(poissonArrivals({ ratePerSecond: 4, durationSeconds: 300, prompt: { kind: 'choice', tokens: [32, 32, 32, 4096] }, output: fixed(128), seed: 9 }));
    const timer = linearTimer(0.005, 5e-5);
    const chunked = simulateReplica(load, { kvBudgetTokens: 1 << 20, maxBatchedTokens: 512, policy: 'chunked-prefill', timer }, { warmupSeconds: 30 });
    const whole = simulateReplica(load, { kvBudgetTokens: 1 << 20, maxBatchedTokens: 8192, policy: 'prefill-first', timer }, { warmupSeconds: 30 });
    expect(chunked.tpotSeconds.p99).toBeLessThan(whole.tpotSeconds.p99);
    expect(chunked.tpotSeconds.p90).toBeLessThan(whole.tpotSeconds.p90);
  });

  it('leaves requests arriving in the warm-up out of the latencies and counts what is still running at the end', () => {
    const requests = poissonArrivals({ ratePerSecond: 10, durationSeconds: 100, prompt: fixed(64), output: fixed(100), seed: 2 });
    const r = simulateReplica(open(requests), { kvBudgetTokens: 1 << 20, timer: constantTimer(0.01) }, { warmupSeconds: 20, untilSeconds: 60 });
    const measured = [...r.records.arrivalSeconds].filter((t, i) => t >= 20 && r.records.state[i] === RequestState.finished).length;
    expect(r.e2eSeconds.count).toBe(measured);
    expect(r.requests.running + r.requests.waiting).toBeGreaterThan(0);
    expectConserved(r);
    expect(r.measuredSeconds).toEqual({ start: 20, end: 60 });
    expect(() => simulateReplica({ kind: 'closed', concurrency: 2, prompt: fixed(1), output: fixed(1), seed: 1 }, { kvBudgetTokens: 64, timer: constantTimer(1) })).toThrow(/untilSeconds/);
    expect(() => simulateReplica(open(requests), { kvBudgetTokens: 8, timer: constantTimer(1) })).toThrow(/kvBudgetTokens/);
  });
});
