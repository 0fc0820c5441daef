/**
 * Fixed serving scenarios and a digest of everything each one computes (every summary figure,
 * every request's record, every step's shape), so that a change meant to make the simulation
 * faster can be held to giving bit-identical results. The scenarios cover both policies,
 * preemption under a tight KV budget, open and closed loops, several replicas behind each router,
 * and the real step model.
 */
import { poissonArrivals, type Workload } from '../../src/serving/arrivals.js';
import type { BatchShape, StepTimer } from '../../src/serving/batch.js';
import { servingDeployment } from '../../src/serving/deployment.js';
import { kvCacheBudget } from '../../src/serving/kv-cache.js';
import { runServing, type ReplicaConfig, type ServingResult, type StepObservation } from '../../src/serving/replica-sim.js';
import { router, type RoutingPolicy } from '../../src/serving/router.js';
import { servingStepTimer } from '../../src/serving/step-model.js';
import { resolveModel, resolveSystem } from '../../src/config/catalog.js';
import { catalog } from './catalog.js';
import { linearTimer } from './serving-timers.js';

/** FNV-1a (32 bits) over bytes, continued from `h`. */
function fnv(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const hex = (h: number): string => h.toString(16).padStart(8, '0');

/** What a scenario is checked by: a few readable figures and digests of the rest. */
export interface GoldenDigest {
  steps: number;
  preemptions: number;
  finished: number;
  /** Digest of the result without its records (JSON: numbers round-trip exactly). */
  summary: string;
  /** Digest of every request's record arrays. */
  records: string;
  /** Digest of every step's replica, start, end, batch shape and KV use. */
  stepTrace: string;
}

interface Scenario {
  name: string;
  workload: () => Workload;
  replicas: () => ReplicaConfig[];
  routing: RoutingPolicy;
  warmupSeconds?: number;
  untilSeconds?: number;
}

const fixture = linearTimer(0.004, 2e-5, 1e-8);
const uniform = (minTokens: number, maxTokens: number) => ({ kind: 'uniform', minTokens, maxTokens }) as const;

function realTimer(): { timer: StepTimer; kvBudgetTokens: number } {
  const d = servingDeployment({ system: resolveSystem(catalog, 'dgx-h100'), model: resolveModel(catalog, 'llama3.1-8b'), tp: 1 });
  return { timer: servingStepTimer(d), kvBudgetTokens: kvCacheBudget(d).kvCacheTokens };
}

export const GOLDEN_SCENARIOS: readonly Scenario[] = [
  {
    name: 'chunked prefill, Poisson, tight KV (preempts)',
    workload: () => ({ kind: 'open', requests: poissonArrivals({ ratePerSecond: 30, durationSeconds: 60, prompt: uniform(50, 1500), output: uniform(1, 400), seed: 7 }) }),
    replicas: () => [{ kvBudgetTokens: 12_000, maxNumSeqs: 48, maxBatchedTokens: 1024, timer: fixture }],
    routing: 'round-robin',
    warmupSeconds: 5,
  },
  {
    name: 'prefill-first, closed loop with think time, tight KV (preempts)',
    workload: () => ({ kind: 'closed', concurrency: 40, prompt: { kind: 'choice', tokens: [64, 300, 900] }, output: uniform(1, 300), seed: 3, thinkSeconds: 0.05, requests: 1500 }),
    replicas: () => [{ kvBudgetTokens: 16_000, maxNumSeqs: 32, maxBatchedTokens: 2048, policy: 'prefill-first', timer: fixture }],
    routing: 'round-robin',
  },
  {
    name: 'four replicas, least-outstanding, Poisson, stopped early',
    workload: () => ({ kind: 'open', requests: poissonArrivals({ ratePerSecond: 120, durationSeconds: 40, prompt: uniform(16, 2048), output: uniform(1, 256), seed: 11 }) }),
    replicas: () => Array.from({ length: 4 }, (_, k) => ({ kvBudgetTokens: 20_000 + 4000 * k, maxNumSeqs: 64, maxBatchedTokens: 2048, timer: fixture })),
    routing: 'least-outstanding',
    warmupSeconds: 2,
    untilSeconds: 35,
  },
  {
    name: 'three replicas, random routing, mixed policies, closed loop',
    workload: () => ({ kind: 'closed', concurrency: 90, prompt: uniform(1, 4000), output: uniform(1, 120), seed: 5, requests: 2000 }),
    replicas: () => [
      { kvBudgetTokens: 30_000, maxNumSeqs: 40, maxBatchedTokens: 4096, policy: 'prefill-first', timer: fixture },
      { kvBudgetTokens: 9_000, maxNumSeqs: 64, maxBatchedTokens: 512, timer: fixture },
      { kvBudgetTokens: 50_000, maxNumSeqs: 16, maxBatchedTokens: 8192, timer: fixture },
    ],
    routing: 'random',
  },
  {
    name: 'llama3.1-8b on one H100 (the step model), Poisson',
    workload: () => ({ kind: 'open', requests: poissonArrivals({ ratePerSecond: 20, durationSeconds: 60, prompt: uniform(100, 3000), output: uniform(20, 500), seed: 2 }) }),
    replicas: () => [{ ...realTimer(), maxNumSeqs: 256, maxBatchedTokens: 8192 }],
    routing: 'round-robin',
    warmupSeconds: 5,
  },
];

/** Runs one scenario and digests what it computed. */
export function goldenDigest(s: Scenario): GoldenDigest {
  const trace: number[] = [];
  const observe = (o: StepObservation): void => {
    const b: BatchShape = o.batch;
    trace.push(o.replica, o.startSeconds, o.endSeconds, b.prefillTokens, b.prefillRequests, b.prefillPriorTokens, b.decodeRequests, b.decodeContextTokens, o.kvBlocksUsed, o.kvBlocksTotal, o.runningRequests);
  };
  const r: ServingResult = runServing(s.workload(), s.replicas(), router(s.routing, 1), { warmupSeconds: s.warmupSeconds, untilSeconds: s.untilSeconds, observe });
  const { records, ...summary } = r;
  let h = 0x811c9dc5;
  for (const a of Object.values(records) as ArrayBufferView[]) h = fnv(bytesOf(a), h);
  return {
    steps: r.steps,
    preemptions: r.preemptions,
    finished: r.requests.finished,
    summary: hex(fnv(new TextEncoder().encode(JSON.stringify(summary)))),
    records: hex(h),
    stepTrace: hex(fnv(bytesOf(Float64Array.from(trace)))),
  };
}
