/**
 * Simulates one replica of a deployment at its share of the traffic (rate / replicas), through
 * the router's shortcut (`simulateFleetShortcut`: one replica standing for the fleet; see
 * router.ts for what it assumes), with a bounded number of requests. Results are kept per
 * (replicas, batch limit), and one run serves every batch limit it never reached: if the most
 * requests running at once stayed below the limit, the limit never turned a request away, so any
 * limit above that peak runs the same simulation step for step.
 */
import { simulateFleetShortcut } from '../router.js';
import type { ReplicaConfig } from '../replica-sim.js';
import type { StepTimer } from '../batch.js';
import type { LatencySummary } from '../latency-stats.js';

/**
 * Requests one probe simulates by default: its p99 rests on the slowest 1% of about 1,800 measured.
 * 1,000 was too few near saturation: for Llama 3.1 70B at 10 requests/s it passed a deployment whose
 * 6,000-request fleet simulation (serve) put TTFT p99 at twice the target; 2,000 and 3,000 agree.
 */
export const DEFAULT_PROBE_REQUESTS = 2000;
/** The share of a probe's requests, from the start, left out as warm-up (the replica starts empty). */
export const PROBE_WARMUP_SHARE = 0.1;

/** What one probe measured. */
export interface ProbeResult {
  ttftSeconds: LatencySummary;
  tpotSeconds: LatencySummary;
  e2eSeconds: LatencySummary;
  /** The fleet's output tokens a second (the replica's times the replica count). */
  outputTokensPerSecond: number;
  /** The most requests running at once on the replica. */
  peakRunning: number;
  preemptions: number;
  rejected: number;
}

export interface ProbeInput {
  timer: StepTimer;
  kvCacheTokens: number;
  maxBatchedTokens: number;
  ratePerSecond: number;
  isl: number;
  osl: number;
  requests: number;
  seed: number;
}

export class ReplicaProbe {
  /** Simulations run so far. */
  simulations = 0;
  private readonly runs = new Map<number, { maxBatch: number; result: ProbeResult }[]>();

  constructor(private readonly x: ProbeInput) {}

  /** The replica under `maxBatch` with the traffic split over `replicas`. */
  at(maxBatch: number, replicas: number): ProbeResult {
    const kept = this.runs.get(replicas) ?? [];
    const same = kept.find((k) => k.maxBatch === maxBatch || (k.result.peakRunning < k.maxBatch && maxBatch > k.result.peakRunning));
    if (same) return same.result;
    const result = this.simulate(maxBatch, replicas);
    kept.push({ maxBatch, result });
    this.runs.set(replicas, kept);
    return result;
  }

  private simulate(maxBatch: number, replicas: number): ProbeResult {
    this.simulations++;
    const x = this.x;
    const perReplica = x.ratePerSecond / replicas;
    // Arrivals for about `requests` requests on the replica; the first share of them warms it up.
    const durationSeconds = x.requests / perReplica;
    const config: ReplicaConfig = { timer: x.timer, kvBudgetTokens: x.kvCacheTokens, maxNumSeqs: maxBatch, maxBatchedTokens: x.maxBatchedTokens, policy: 'chunked-prefill' };
    let peak = 0;
    const r = simulateFleetShortcut(
      { ratePerSecond: x.ratePerSecond, durationSeconds: durationSeconds, prompt: { kind: 'fixed', tokens: x.isl }, output: { kind: 'fixed', tokens: x.osl }, seed: x.seed },
      config,
      replicas,
      {
        warmupSeconds: durationSeconds * PROBE_WARMUP_SHARE,
        observe: (o) => {
          if (o.runningRequests > peak) peak = o.runningRequests;
        },
      },
    );
    return {
      ttftSeconds: r.ttftSeconds,
      tpotSeconds: r.tpotSeconds,
      e2eSeconds: r.e2eSeconds,
      outputTokensPerSecond: r.outputTokensPerSecond,
      peakRunning: peak,
      preemptions: r.preemptions,
      rejected: r.requests.rejected,
    };
  }
}
