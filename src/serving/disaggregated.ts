/**
 * Disaggregated serving (DistServe, Zhong et al., OSDI 2024; Splitwise, Patel et al., ISCA 2024;
 * NVIDIA Dynamo): a prefill pool and a decode pool of workers, each worker its own replica with its
 * own scheduler, step model and KV budget, on one discrete-event clock.
 *
 *   arrival -> prefill router -> prefill worker (whole prompt, chunked or not; samples the first
 *   token: TTFT ends here) -> decode router -> decode worker's queue (waits for KV blocks and a
 *   sequence slot) -> KV transfer (prompt tokens x KV bytes a token) -> decode worker decodes to the end
 *
 * Choices, with their sources:
 * - The first token is the prefill worker's: DistServe (section 2) and Splitwise (section 2) have
 *   the prompt phase produce it, and TensorRT-LLM's context server samples it and hands it to the
 *   generation server (DisaggregatedParams.first_gen_tokens, "produced during prefill"). TTFT is
 *   arrival to the end of the prefill step, taking the token as streamed to the client at once; the
 *   transfer and the decode queue show in the time to the second token, so in TPOT. (vLLM's
 *   NixlConnector instead recomputes the last prompt token on the decode worker and samples the
 *   first token there: its TTFT includes the transfer. Not modelled.)
 * - The KV is held on both sides while it moves: the prefill worker keeps the request's blocks
 *   from the end of its prefill until the transfer ends (vLLM's NixlConnector frees them when the
 *   decode side has read them), and the decode worker takes the prompt's blocks plus room for
 *   the first decoded token when the transfer starts (Dynamo's decode worker allocates before the
 *   prefill worker writes). A prefill worker whose blocks are all held waits: back-pressure.
 * - The transfer starts when the decode worker has the blocks and a free sequence slot
 *   (running + incoming < max_num_seqs), in the order prefills end; its time is whatever
 *   `transferSeconds` says (kv-transfer.ts: the network model). Transfers are timed one by one:
 *   several at once do not share the links here.
 * - A request whose prompt and output would not fit every decode worker's whole KV budget is
 *   rejected on arrival (`kv-budget`), as one replica rejects it.
 */
import type { Workload } from './arrivals.js';
import { ArrivalSource } from './arrival-source.js';
import { EventHeap } from './event-heap.js';
import { IntDeque } from './int-deque.js';
import { summarizeLatency, type LatencySummary } from './latency-stats.js';
import { summarise, type ReplicaConfig, type ServingResult, type StepObservation } from './replica-sim.js';
import { RejectReason, RequestState, RequestStore } from './request-store.js';
import { router, type RoutingPolicy } from './router.js';
import { ReplicaScheduler } from './scheduler.js';

export type PoolName = 'prefill' | 'decode';

/** Two pools of workers and the KV transfer between them. */
export interface DisaggregatedConfig {
  prefill: readonly ReplicaConfig[];
  decode: readonly ReplicaConfig[];
  /** Seconds the KV of `promptTokens` tokens takes from prefill worker `p` to decode worker `q` (0 or more). */
  transferSeconds: (promptTokens: number, p: number, q: number) => number;
  /** How each pool's router picks a worker (default round-robin for both). */
  prefillRouting?: RoutingPolicy;
  decodeRouting?: RoutingPolicy;
  routingSeed?: number;
}

/** One worker's step as it starts. */
export interface PoolStepObservation extends Omit<StepObservation, 'replica'> {
  pool: PoolName;
  worker: number;
}

export interface DisaggregatedOptions {
  /** Requests arriving before this are left out of the latencies, tokens before it out of the throughput. */
  warmupSeconds?: number;
  untilSeconds?: number;
  observe?: (step: PoolStepObservation) => void;
}

/** How busy one pool was over the measured window. */
export interface PoolUsage {
  workers: number;
  /** Time its workers spent running steps, over the window and the workers. */
  busyFraction: number;
  /** KV blocks in use (held transfers included), time-weighted over its steps, and the peak at any step. */
  kvUtilization: { mean: number; max: number };
  steps: number;
  preemptions: number;
}

export interface DisaggregatedResult extends ServingResult {
  /** Seconds each measured request's KV took on the wire (finished requests with a transfer). */
  kvTransferSeconds: LatencySummary;
  /** Seconds from the end of its prefill to the start of its transfer (the decode worker's blocks or slot). */
  kvWaitSeconds: LatencySummary;
  /** Of `requests.running`: those whose KV is moving or waits to move at the end. */
  inTransfer: number;
  pools: { prefill: PoolUsage; decode: PoolUsage };
  /** The prefill worker of each request (-1: none); `records.replica` is its decode worker. */
  prefillWorker: Int32Array;
}

/** What a router reads of a worker (router() reads `outstanding` and the count): the decode pool's router counts the requests on their way to each worker too. */
type Outstanding = Pick<ReplicaScheduler, 'outstanding'>;

export function runDisaggregated(workload: Workload, config: DisaggregatedConfig, options: DisaggregatedOptions = {}): DisaggregatedResult {
  const P = config.prefill.length;
  const D = config.decode.length;
  if (P === 0) throw new RangeError('prefill: at least one worker is needed');
  if (D === 0) throw new RangeError('decode: at least one worker is needed');
  const warmup = options.warmupSeconds ?? 0;
  const until = options.untilSeconds ?? Infinity;
  if (!(warmup >= 0)) throw new RangeError(`warmupSeconds: must be >= 0 (got ${warmup})`);
  if (!(until > warmup)) throw new RangeError(`untilSeconds: must be after the warm-up (got ${until})`);
  const observe = options.observe;
  const prefill = config.prefill.map((c) => new ReplicaScheduler(c));
  const decode = config.decode.map((c) => new ReplicaScheduler(c));
  const timers = [...config.prefill, ...config.decode].map((c) => c.timer);
  const schedulerOf = (k: number): ReplicaScheduler => (k < P ? prefill[k] : decode[k - P]);
  const decodeFitsBlocks = Math.min(...decode.map((q) => q.totalBlocks * q.blockTokens));

  const source = new ArrivalSource(workload, until);
  // Two stores, one index a request: the prefill pool's sees a request of one output token (it
  // ends when the first is sampled); the decode pool's holds the request as the client sees it.
  const ps = new RequestStore(source.tableSize || 1024);
  const s = new RequestStore(source.tableSize || 1024);
  let prefillWorker: Int32Array = new Int32Array(ps.arrivalSeconds.length).fill(-1);
  let prefillEnd: Float64Array = new Float64Array(ps.arrivalSeconds.length).fill(NaN);
  let transferStart: Float64Array = new Float64Array(ps.arrivalSeconds.length).fill(NaN);
  let transferEnd: Float64Array = new Float64Array(ps.arrivalSeconds.length).fill(NaN);
  /** Prefill blocks a request's transfer holds. */
  let heldBlocks: Int32Array = new Int32Array(ps.arrivalSeconds.length);
  const grow = (): void => {
    const c = 2 * prefillWorker.length;
    const i32 = (a: Int32Array, fill: number): Int32Array => {
      const b = new Int32Array(c).fill(fill);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(c).fill(NaN);
      b.set(a);
      return b;
    };
    prefillWorker = i32(prefillWorker, -1);
    heldBlocks = i32(heldBlocks, 0);
    prefillEnd = f64(prefillEnd);
    transferStart = f64(transferStart);
    transferEnd = f64(transferEnd);
  };

  // Requests whose prefill has ended, waiting for their decode worker's blocks, and transfers under way.
  const decodeQueue = decode.map(() => new IntDeque());
  const incoming = new Int32Array(D);
  let inTransfer = 0;
  const pickPrefill = router(config.prefillRouting ?? 'round-robin', config.routingSeed);
  const pickDecode = router(config.decodeRouting ?? 'round-robin', (config.routingSeed ?? 1) + 1);
  const decodeViews: Outstanding[] = decode.map((q, i) => ({
    get outstanding() {
      return q.outstanding + decodeQueue[i].length + incoming[i];
    },
  }));

  const W = P + D;
  const heap = new EventHeap(W);
  const busy = new Uint8Array(W);
  const pending: number[] = [];
  const isPending = new Uint8Array(W);
  const markPending = (k: number): void => {
    if (!busy[k] && !isPending[k]) {
      isPending[k] = 1;
      pending.push(k);
    }
  };

  const usage = [0, 1].map(() => ({ steps: 0, busy: 0, kvWeighted: 0, kvMax: 0 }));
  let tokensInWindow = 0;
  let finishedInWindow = 0;
  let lastSeconds = 0;
  let rejectedInARow = 0;

  const finishAtPrefill = (r: number, t: number): void => {
    s.firstTokenSeconds[r] = t;
    s.finishSeconds[r] = t;
    s.state[r] = RequestState.finished;
    if (t > warmup) finishedInWindow++;
    source.done(t);
  };

  const arrive = (t: number): void => {
    const a = source.take();
    const r = ps.add(a.arrivalSeconds, a.promptTokens, 1);
    s.add(a.arrivalSeconds, a.promptTokens, a.outputTokens);
    if (r === prefillWorker.length) grow();
    let reason: number = RejectReason.none;
    if (a.promptTokens + a.outputTokens > decodeFitsBlocks) {
      reason = RejectReason.kvBudget;
      ps.state[r] = RequestState.rejected;
      ps.rejectReason[r] = reason;
    } else {
      const k = pickPrefill(prefill);
      prefillWorker[r] = k;
      reason = prefill[k].admit(ps, r);
      if (!reason) markPending(k);
    }
    if (reason) {
      s.state[r] = RequestState.rejected;
      s.rejectReason[r] = reason;
      if (++rejectedInARow > 1_000_000) throw new RangeError('workload: every request is rejected (each needs more KV than a worker holds)');
      source.done(t);
    } else rejectedInARow = 0;
  };

  /** Starts the transfers decode worker q has room for, in the order their prefills ended. */
  const startTransfers = (q: number, t: number): void => {
    const sched = decode[q];
    const queue = decodeQueue[q];
    // Requests it preempted wait to run again there: they count against its sequence slots too.
    while (queue.length > 0 && sched.runningCount + sched.waiting.length + incoming[q] < sched.maxNumSeqs) {
      const r = queue.front();
      // The prompt's KV and the first decoded token's (so the request can run its first step).
      const blocks = Math.ceil((s.promptTokens[r] + 1) / sched.blockTokens);
      if (blocks > sched.freeBlocks) break;
      queue.popFront();
      sched.takeBlocks(blocks);
      s.blocks[r] = blocks;
      incoming[q]++;
      inTransfer++;
      transferStart[r] = t;
      const dt = config.transferSeconds(s.promptTokens[r], prefillWorker[r], q);
      if (!(dt >= 0) || !Number.isFinite(dt)) throw new RangeError(`transferSeconds: must be a finite time of 0 or more (got ${dt} s)`);
      heap.push(t + dt, W + r);
    }
  };

  const endPrefillStep = (k: number, t: number): void => {
    const sched = prefill[k];
    // The blocks of the requests this step finishes, read before commit frees them.
    const n = sched.finishedCount;
    for (let j = 0; j < n; j++) heldBlocks[sched.finishedIds[j]] = ps.blocks[sched.finishedIds[j]];
    const sampled = sched.commit(ps, t);
    if (t > warmup) tokensInWindow += sampled;
    for (let j = 0; j < n; j++) {
      const r = sched.finishedIds[j];
      prefillEnd[r] = t;
      if (s.outputTokens[r] === 1) {
        heldBlocks[r] = 0;
        finishAtPrefill(r, t);
        continue;
      }
      sched.takeBlocks(heldBlocks[r]);
      s.firstTokenSeconds[r] = t;
      s.state[r] = RequestState.running;
      s.computed[r] = s.promptTokens[r];
      s.generated[r] = 1;
      const q = pickDecode(decodeViews as unknown as ReplicaScheduler[]);
      s.replica[r] = q;
      decodeQueue[q].pushBack(r);
      startTransfers(q, t);
    }
    markPending(k);
  };

  const endDecodeStep = (q: number, t: number): void => {
    const sched = decode[q];
    const sampled = sched.commit(s, t);
    if (t > warmup) {
      tokensInWindow += sampled;
      finishedInWindow += sched.finishedCount;
    }
    for (let j = 0; j < sched.finishedCount; j++) source.done(t);
    startTransfers(q, t);
    markPending(P + q);
  };

  const endTransfer = (r: number, t: number): void => {
    const q = s.replica[r];
    transferEnd[r] = t;
    incoming[q]--;
    inTransfer--;
    prefill[prefillWorker[r]].returnBlocks(heldBlocks[r]);
    heldBlocks[r] = 0;
    markPending(prefillWorker[r]);
    decode[q].admitPrefilled(s, r);
    markPending(P + q);
  };

  const start = (k: number, t: number): void => {
    const sched = schedulerOf(k);
    const store = k < P ? ps : s;
    const batch = sched.schedule(store);
    if (!batch) return;
    const dt = timers[k].stepSeconds(batch);
    if (!(dt > 0) || !Number.isFinite(dt)) throw new RangeError(`StepTimer: a step must take a finite time above 0 (got ${dt} s for ${JSON.stringify(batch)})`);
    const end = t + dt;
    busy[k] = 1;
    heap.push(end, k);
    const u = usage[k < P ? 0 : 1];
    u.steps++;
    const used = sched.usedBlocks / sched.totalBlocks;
    if (used > u.kvMax && end > warmup) u.kvMax = used;
    const from = Math.max(t, warmup);
    const to = Math.min(end, until);
    if (to > from) {
      u.kvWeighted += used * (to - from);
      u.busy += to - from;
    }
    if (observe) {
      observe({ pool: k < P ? 'prefill' : 'decode', worker: k < P ? k : k - P, startSeconds: t, endSeconds: end, batch, kvBlocksUsed: sched.usedBlocks, kvBlocksTotal: sched.totalBlocks, runningRequests: sched.runningCount });
    }
  };

  for (;;) {
    const ta = source.nextSeconds();
    const te = heap.peekTime();
    const t = Math.min(ta, te);
    if (t === Infinity || t > until) break;
    lastSeconds = t;
    if (te <= ta) {
      const id = heap.pop();
      if (id < P) {
        busy[id] = 0;
        endPrefillStep(id, t);
      } else if (id < W) {
        busy[id] = 0;
        endDecodeStep(id - P, t);
      } else endTransfer(id - W, t);
      // Everything else ending at this instant lands before anything starts.
      if (heap.peekTime() === t) continue;
    }
    while (source.nextSeconds() <= t) arrive(t);
    for (let j = 0; j < pending.length; j++) {
      const k = pending[j];
      isPending[k] = 0;
      if (!busy[k]) start(k, t);
    }
    pending.length = 0;
  }

  // Where each request stands, as the client sees it: still prefilling counts as running.
  const n = s.count;
  for (let r = 0; r < n; r++) if (ps.state[r] === RequestState.running) s.state[r] = RequestState.running;
  const end = Number.isFinite(until) ? until : lastSeconds;
  const window = Math.max(end - warmup, 0);
  const poolUsage = (i: number, workers: readonly ReplicaScheduler[]): PoolUsage => ({
    workers: workers.length,
    busyFraction: window > 0 ? usage[i].busy / (window * workers.length) : 0,
    kvUtilization: { mean: window > 0 ? usage[i].kvWeighted / (window * workers.length) : 0, max: usage[i].kvMax },
    steps: usage[i].steps,
    preemptions: workers.reduce((a, w) => a + w.preemptions, 0),
  });
  const pools = { prefill: poolUsage(0, prefill), decode: poolUsage(1, decode) };
  const base = summarise(s, [...prefill, ...decode], {
    steps: pools.prefill.steps + pools.decode.steps,
    window: { start: warmup, end },
    outputTokensPerSecond: window > 0 ? tokensInWindow / window : 0,
    requestsPerSecond: window > 0 ? finishedInWindow / window : 0,
    kvUtilization: { mean: (pools.prefill.kvUtilization.mean * P + pools.decode.kvUtilization.mean * D) / W, max: Math.max(pools.prefill.kvUtilization.max, pools.decode.kvUtilization.max) },
  });
  let measured = 0;
  for (let r = 0; r < n; r++) if (s.state[r] === RequestState.finished && s.arrivalSeconds[r] >= warmup && transferEnd[r] >= 0) measured++;
  const wire = new Float64Array(measured);
  const wait = new Float64Array(measured);
  for (let r = 0, i = 0; r < n; r++) {
    if (!(s.state[r] === RequestState.finished && s.arrivalSeconds[r] >= warmup && transferEnd[r] >= 0)) continue;
    wire[i] = transferEnd[r] - transferStart[r];
    wait[i++] = transferStart[r] - prefillEnd[r];
  }
  return {
    ...base,
    kvTransferSeconds: summarizeLatency(wire),
    kvWaitSeconds: summarizeLatency(wait),
    inTransfer: inTransfer + decodeQueue.reduce((a, x) => a + x.length, 0),
    pools,
    prefillWorker: prefillWorker.slice(0, n),
  };
}
