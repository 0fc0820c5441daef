/**
 * Disaggregated serving benchmark: the serving bench's hour of Poisson traffic (100 requests/s,
 * 512-token prompts, 256-token replies) over 2 prefill and 6 decode workers, beside the same hour
 * on 8 aggregated replicas. Same fixture timer as bench/serving.ts (not the step model); the KV
 * transfer is 1 ms + 1 us a prompt token.
 */
import { Bench } from 'tinybench';
import type { BatchShape } from '../src/serving/batch.js';
import { poissonArrivals } from '../src/serving/arrivals.js';
import { runDisaggregated } from '../src/serving/disaggregated.js';
import { simulateFleet } from '../src/serving/router.js';
import { printBench, printFigure } from './print.js';

const timer = { stepSeconds: (b: BatchShape) => 0.01 + 2e-6 * (b.prefillTokens + b.decodeRequests) + 1e-8 * (b.decodeContextTokens + b.prefillPriorTokens) };
const hour = poissonArrivals({ ratePerSecond: 100, durationSeconds: 3600, prompt: { kind: 'fixed', tokens: 512 }, output: { kind: 'fixed', tokens: 256 }, seed: 1 });
const worker = { kvBudgetTokens: 500_000, maxNumSeqs: 512, maxBatchedTokens: 8192, timer };
const config = { prefill: Array(2).fill(worker), decode: Array(6).fill(worker), transferSeconds: (tokens: number) => 1e-3 + 1e-6 * tokens };

const bench = new Bench({ time: 3000, warmupTime: 500, iterations: 3 });
bench
  .add(`disaggregated: 1 h of Poisson at 100 req/s (${hour.arrivalSeconds.length.toLocaleString('en')} requests), 2 prefill + 6 decode workers`, () => {
    runDisaggregated({ kind: 'open', requests: hour }, config);
  })
  .add('disaggregated: the same hour on 8 aggregated replicas (round-robin)', () => {
    simulateFleet({ kind: 'open', requests: hour }, Array(8).fill(worker), 'round-robin');
  });

await bench.run();
printBench('Disaggregated serving', bench);
const r = runDisaggregated({ kind: 'open', requests: hour }, config);
printFigure('the hour on 2 + 6 workers', `${r.steps.toLocaleString('en')} steps, ${Math.round(r.outputTokensPerSecond).toLocaleString('en')} output tokens/s, p99 TTFT ${(r.ttftSeconds.p99 * 1000).toFixed(1)} ms, p99 TPOT ${(r.tpotSeconds.p99 * 1000).toFixed(1)} ms, prefill busy ${(r.pools.prefill.busyFraction * 100).toFixed(0)}%, decode busy ${(r.pools.decode.busyFraction * 100).toFixed(0)}%`);
