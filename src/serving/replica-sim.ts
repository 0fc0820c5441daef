/**
 * The serving simulation: requests arrive, a dispatcher hands each to a replica, each replica's
 * scheduler builds a step, its StepTimer says how long the step takes, and the step's tokens
 * land when it ends. Discrete-event: time jumps from one step end or arrival to the next, so an
 * idle replica costs nothing.
 *
 *   arrivals (table or closed loop) -> dispatch -> replica scheduler -> StepTimer -> commit
 *        ^------------------- closed loop: a finish sends the client's next ---------|
 *
 * At one instant, step ends are handled before arrivals, and arrivals before new steps start,
 * so a request arriving as a step ends can join the next step.
 */
import type { BatchShape, StepTimer } from './batch.js';
import type { Workload } from './arrivals.js';
import { ArrivalSource } from './arrival-source.js';
import { EventHeap } from './event-heap.js';
import { summarizeLatency, type LatencySummary } from './latency-stats.js';
import { REJECT_REASONS, RequestState, RequestStore } from './request-store.js';
import { ReplicaScheduler, type SchedulerConfig } from './scheduler.js';

/** One replica: its scheduler's limits and the step model that times it. */
export interface ReplicaConfig extends SchedulerConfig {
  timer: StepTimer;
}

/** When to stop and what to measure. */
export interface SimulationOptions {
  /** Requests arriving before this are left out of the latencies, and tokens before it out of the throughput (default 0). */
  warmupSeconds?: number;
  /** Stop at this time (default: when every request is done; a closed loop without a request limit needs it). */
  untilSeconds?: number;
  /** Called after each step is built, before it runs (tests use it to check invariants). */
  observe?: (step: StepObservation) => void;
}

/** One step as it starts. */
export interface StepObservation {
  replica: number;
  startSeconds: number;
  endSeconds: number;
  batch: BatchShape;
  kvBlocksUsed: number;
  kvBlocksTotal: number;
  /** Requests running on this replica (scheduled this step or holding KV). */
  runningRequests: number;
}

/** Picks the replica for an arriving request, from the replicas' state. */
export type Dispatch = (replicas: readonly ReplicaScheduler[]) => number;

/** The request store's arrays a result keeps (see RequestStore for what each holds). */
const RECORD_FIELDS = ['arrivalSeconds', 'promptTokens', 'outputTokens', 'firstTokenSeconds', 'finishSeconds', 'state', 'rejectReason', 'preemptions', 'replica'] as const;

/** Per-request records, index by index (times NaN where the event did not happen). */
export type RequestRecords = Pick<RequestStore, (typeof RECORD_FIELDS)[number]>;

/** The first `n` entries of each kept array, copied out of the store. */
const recordsOf = (s: RequestStore, n: number): RequestRecords =>
  Object.fromEntries(RECORD_FIELDS.map((k) => [k, s[k].slice(0, n)])) as unknown as RequestRecords;

/** What a serving run measured. */
export interface ServingResult {
  /** Requests that arrived, and where each stands at the end (arrived = finished + running + waiting + rejected). */
  requests: { arrived: number; finished: number; running: number; waiting: number; rejected: number };
  rejections: { reason: string; count: number }[];
  /** Time to first token, over finished requests that arrived after the warm-up. */
  ttftSeconds: LatencySummary;
  /** (end-to-end - TTFT) / (output tokens - 1); requests with a 1-token output have no TPOT and are left out. */
  tpotSeconds: LatencySummary;
  e2eSeconds: LatencySummary;
  /** Output tokens sampled in the measured window, over its length (over all replicas). */
  outputTokensPerSecond: number;
  /** Requests finished in the measured window, over its length. */
  requestsPerSecond: number;
  /** Fraction of KV blocks in use, time-weighted over the window and the replicas, and its largest value at any step. */
  kvUtilization: { mean: number; max: number };
  preemptions: number;
  steps: number;
  /** The window throughput and KV use are measured over: [warm-up, end]. */
  measuredSeconds: { start: number; end: number };
  records: RequestRecords;
}

/** Runs a workload over replicas behind a dispatcher. */
export function runServing(workload: Workload, configs: readonly ReplicaConfig[], dispatch: Dispatch, options: SimulationOptions = {}): ServingResult {
  if (configs.length === 0) throw new RangeError('replicas: at least one is needed');
  const warmup = options.warmupSeconds ?? 0;
  const until = options.untilSeconds ?? Infinity;
  if (!(warmup >= 0)) throw new RangeError(`warmupSeconds: must be >= 0 (got ${warmup})`);
  if (!(until > warmup)) throw new RangeError(`untilSeconds: must be after the warm-up (got ${until})`);
  const observe = options.observe;
  const replicas = configs.map((c) => new ReplicaScheduler(c));
  const timers = configs.map((c) => c.timer);
  const R = replicas.length;

  const source = new ArrivalSource(workload, until);
  const store = new RequestStore(source.tableSize || 1024);

  const heap = new EventHeap(R);
  const busy = new Uint8Array(R);
  const stepStart = new Float64Array(R);
  const pending = new Int32Array(R); // replicas to try to start at this instant
  const isPending = new Uint8Array(R);
  let pendingCount = 0;
  const markPending = (k: number): void => {
    if (!busy[k] && !isPending[k]) {
      isPending[k] = 1;
      pending[pendingCount++] = k;
    }
  };

  let steps = 0;
  let tokensInWindow = 0;
  let finishedInWindow = 0;
  let kvWeighted = 0;
  let kvMax = 0;
  let lastSeconds = 0;
  let rejectedInARow = 0;

  const arrive = (t: number): void => {
    const a = source.take();
    const r = store.add(a.arrivalSeconds, a.promptTokens, a.outputTokens);
    const k = dispatch(replicas);
    store.replica[r] = k;
    if (replicas[k].admit(store, r)) {
      // A closed loop whose every request is turned away would resend at this instant for ever.
      if (++rejectedInARow > 1_000_000) throw new RangeError('workload: every request is rejected (each needs more KV than a replica holds)');
      source.done(t);
    } else {
      rejectedInARow = 0;
      markPending(k);
    }
  };

  const start = (k: number, t: number): void => {
    const sched = replicas[k];
    const batch = sched.schedule(store);
    if (!batch) return;
    const dt = timers[k].stepSeconds(batch);
    if (!(dt > 0) || !Number.isFinite(dt)) throw new RangeError(`StepTimer: a step must take a finite time above 0 (got ${dt} s for ${JSON.stringify(batch)})`);
    const end = t + dt;
    busy[k] = 1;
    stepStart[k] = t;
    heap.push(end, k);
    steps++;
    const used = sched.usedBlocks / sched.totalBlocks;
    if (used > kvMax && end > warmup) kvMax = used;
    const from = Math.max(t, warmup);
    const to = Math.min(end, until);
    if (to > from) kvWeighted += used * (to - from);
    if (observe) observe({ replica: k, startSeconds: t, endSeconds: end, batch, kvBlocksUsed: sched.usedBlocks, kvBlocksTotal: sched.totalBlocks, runningRequests: sched.runningCount });
  };

  for (;;) {
    const ta = source.nextSeconds();
    const ts = heap.peekTime();
    const t = Math.min(ta, ts);
    if (t === Infinity || t > until) break;
    lastSeconds = t;
    if (ts <= ta) {
      const k = heap.pop();
      busy[k] = 0;
      const sched = replicas[k];
      const sampled = sched.commit(store, t);
      if (t > warmup) {
        tokensInWindow += sampled;
        finishedInWindow += sched.finishedCount;
      }
      for (let j = 0; j < sched.finishedCount; j++) source.done(t);
      markPending(k);
      // Other steps ending at this same instant are committed before anything starts.
      if (heap.peekTime() === t) continue;
    }
    while (source.nextSeconds() <= t) arrive(t);
    for (let j = 0; j < pendingCount; j++) {
      const k = pending[j];
      isPending[k] = 0;
      if (!busy[k]) start(k, t);
    }
    pendingCount = 0;
  }

  const end = Number.isFinite(until) ? until : lastSeconds;
  const window = Math.max(end - warmup, 0);
  return summarise(store, replicas, {
    steps,
    window: { start: warmup, end },
    outputTokensPerSecond: window > 0 ? tokensInWindow / window : 0,
    requestsPerSecond: window > 0 ? finishedInWindow / window : 0,
    kvUtilization: { mean: window > 0 ? kvWeighted / (window * R) : 0, max: kvMax },
  });
}

/** A result from a run's request store and schedulers (the disaggregated engine shares it). */
export function summarise(
  s: RequestStore,
  replicas: readonly ReplicaScheduler[],
  m: { steps: number; window: { start: number; end: number }; outputTokensPerSecond: number; requestsPerSecond: number; kvUtilization: { mean: number; max: number } },
): ServingResult {
  const n = s.count;
  const counts = [0, 0, 0, 0];
  const byReason = new Array<number>(REJECT_REASONS.length).fill(0);
  let measured = 0;
  let withTpot = 0;
  for (let r = 0; r < n; r++) {
    counts[s.state[r]]++;
    byReason[s.rejectReason[r]]++;
    if (s.state[r] === RequestState.finished && s.arrivalSeconds[r] >= m.window.start) {
      measured++;
      if (s.outputTokens[r] > 1) withTpot++;
    }
  }
  const ttft = new Float64Array(measured);
  const e2e = new Float64Array(measured);
  const tpot = new Float64Array(withTpot);
  let a = 0;
  let b = 0;
  for (let r = 0; r < n; r++) {
    if (s.state[r] !== RequestState.finished || s.arrivalSeconds[r] < m.window.start) continue;
    const first = s.firstTokenSeconds[r] - s.arrivalSeconds[r];
    const whole = s.finishSeconds[r] - s.arrivalSeconds[r];
    ttft[a] = first;
    e2e[a++] = whole;
    if (s.outputTokens[r] > 1) tpot[b++] = (whole - first) / (s.outputTokens[r] - 1);
  }
  const rejections = REJECT_REASONS.map((reason, i) => ({ reason, count: byReason[i] })).filter((x, i) => i > 0 && x.count > 0);
  return {
    requests: { arrived: n, finished: counts[RequestState.finished], running: counts[RequestState.running], waiting: counts[RequestState.waiting], rejected: counts[RequestState.rejected] },
    rejections,
    ttftSeconds: summarizeLatency(ttft),
    tpotSeconds: summarizeLatency(tpot),
    e2eSeconds: summarizeLatency(e2e),
    outputTokensPerSecond: m.outputTokensPerSecond,
    requestsPerSecond: m.requestsPerSecond,
    kvUtilization: m.kvUtilization,
    preemptions: replicas.reduce((x, k) => x + k.preemptions, 0),
    steps: m.steps,
    measuredSeconds: m.window,
    records: recordsOf(s, n),
  };
}

/** Simulates one replica under a workload. */
export function simulateReplica(workload: Workload, replica: ReplicaConfig, options: SimulationOptions = {}): ServingResult {
  return runServing(workload, [replica], () => 0, options);
}
