/**
 * Latency and cost against load, for the serving report's charts: the user's deployment run by
 * serve() at several load levels around the user's own, from light to past saturation.
 *
 *   user's deployment + load ─► capacity probe ─► levels ─► serve() at each ─► points
 *                               (a closed loop at     (a rate or    (a bounded number
 *                                as many clients as    a client     of requests each)
 *                                the KV cache holds)   count)
 *
 * The user's own point is the user's run itself (its report, passed in), so the chart at the
 * user's load carries exactly `serve --json`'s numbers; the other points are bounded runs, so the
 * curve costs about a second at most for the default flags. Pure: no Node, no DOM.
 */
import type { LatencySummary } from '../serving/latency-stats.js';
import { MAX_SIMULATED_OUTPUT_TOKENS, serve, type ServeInput, type ServeLoad, type ServeReport } from '../serving/serve.js';
import { serveDisaggregated, type DisaggregatedServeInput, type DisaggregatedServeReport } from '../serving/serve-disaggregated.js';

/**
 * Requests each point other than the user's simulates: this many, or TURNOVERS times the clients
 * the deployment holds at once if more, but never more than MAX_REQUESTS_PER_POINT; a closed loop
 * runs at least two a client. Near saturation a request takes about (clients held / capacity) from
 * arrival to end (Little's law), and a run of N requests lasts about N / capacity, so N = 8 x the
 * clients held lasts eight request lifetimes: long enough for a queue to build past saturation
 * (with 2 x it does not, and the curve shows no knee).
 */
export const DEFAULT_REQUESTS_PER_POINT = 256;
export const MAX_REQUESTS_PER_POINT = 20_000;
const TURNOVERS = 8;
/**
 * Output tokens a point simulates at most: with long outputs the request bound shrinks so that a
 * point stays a fiftieth of serve's own bound (MAX_SIMULATED_OUTPUT_TOKENS), about 20 M tokens at
 * 1,024 tokens a request, and never trips it.
 */
const MAX_OUTPUT_TOKENS_PER_POINT = MAX_SIMULATED_OUTPUT_TOKENS / 50;

/** The load levels other than the user's, as fractions of the estimated capacity (open loads): light, knee, saturation, past it. */
const CAPACITY_FRACTIONS = [0.1, 0.25, 0.5, 0.7, 0.85, 1, 1.15, 1.3];
/** Closed loops: client counts in powers of two up to this multiple of the clients the KV cache holds at once. */
const CLOSED_PAST_SATURATION = 2;
/** Two levels closer than this ratio are one (the user's is kept). */
const SAME_LEVEL = 0.04;

/** One load level's figures. */
export interface LoadPoint {
  /** Offered load: requests per second (open loads) or clients (closed loops). */
  level: number;
  /** Whether this is the user's own load (its figures are the user's serve report's). */
  user: boolean;
  /** Requests the point simulated (arrived). */
  requests: number;
  ttftSeconds: LatencySummary;
  tpotSeconds: LatencySummary;
  e2eSeconds: LatencySummary;
  outputTokensPerSecond: number;
  outputTokensPerSecondPerGpu: number;
  requestsPerSecond: number;
  costUsdPerMillionTokens: number;
  /** Requests turned away at arrival (their prompt and output cannot fit the KV cache). */
  rejected: number;
}

/** The curve: its axis, its points by level, and how they were made. */
export interface ServingLoadCurve {
  /** What the level is: an arrival rate (Poisson, gamma or a trace's speed) or a closed loop's clients. */
  axis: 'rate' | 'concurrency';
  /** The load kind of the user's run, which every point keeps (gamma keeps its CV; a trace is replayed faster or slower). */
  loadKind: ServeLoad['kind'];
  /** Requests each open-load point other than the user's simulated; a closed loop's: closedRequests(clients, this). */
  requestsPerPoint: number;
  /** The estimated most requests per second the deployment finishes (open loads; from the capacity probe). */
  capacityRequestsPerSecond: number | undefined;
  /** Clients the deployment's KV cache and batch limits hold at once (the probe's and a closed loop's saturation). */
  saturationClients: number;
  points: LoadPoint[];
}

/** Options of the sweep. */
export interface LoadCurveOptions {
  requestsPerPoint?: number;
  /** Called with the share of the sweep done (after each point). */
  onProgress?: (done: number) => void;
}

type AnyInput = ServeInput | DisaggregatedServeInput;
type AnyReport = ServeReport | DisaggregatedServeReport;

const isPools = (x: AnyInput): x is DisaggregatedServeInput => 'prefill' in x && 'decode' in x;

const run = (x: AnyInput): AnyReport => (isPools(x) ? serveDisaggregated(x) : serve(x));

function pointOf(r: AnyReport, level: number, user: boolean): LoadPoint {
  return {
    level,
    user,
    requests: r.requests.arrived,
    ttftSeconds: r.ttftSeconds,
    tpotSeconds: r.tpotSeconds,
    e2eSeconds: r.e2eSeconds,
    outputTokensPerSecond: r.outputTokensPerSecond,
    outputTokensPerSecondPerGpu: r.outputTokensPerSecondPerGpu,
    requestsPerSecond: r.requestsPerSecond,
    costUsdPerMillionTokens: r.costUsdPerMillionTokens,
    rejected: r.requests.rejected,
  };
}

/** The user's load level: its rate (a trace's mean arrival rate) or its clients. */
export function loadLevel(load: ServeLoad): number {
  if (load.kind === 'closed') return load.concurrency;
  if (load.kind !== 'trace') return load.ratePerSecond;
  const n = load.requests.arrivalSeconds.length;
  const span = load.requests.arrivalSeconds[n - 1] - load.requests.arrivalSeconds[0];
  return span > 0 ? (n - 1) / span : n;
}

/** Clients whose requests the deployment holds at once: the batch limit, or fewer when the KV cache fills first. */
function saturationClients(user: AnyReport): number {
  const c = user.config;
  const perRequest = Math.max(1, c.isl + c.osl);
  if ('disaggregated' in user) {
    const d = user.disaggregated.decode;
    return Math.max(1, d.workers * Math.min(d.maxBatch, Math.floor(d.kvCacheTokens / perRequest)));
  }
  return Math.max(1, c.replicas * Math.min(c.maxBatch, Math.floor(user.kvCacheTokens / perRequest)));
}

/** A closed loop's requests at a point: serve's default of 8 a client, at most the bound, at least 2 a client. */
export const closedRequests = (clients: number, bound: number): number => Math.max(2 * clients, Math.min(bound, 8 * clients));

/** Levels sorted, those within SAME_LEVEL of a kept one dropped (the user's always kept). */
function levelsAround(candidates: number[], userLevel: number, whole: boolean): number[] {
  const kept: number[] = [userLevel];
  for (const raw of candidates) {
    const l = whole ? Math.max(1, Math.round(raw)) : raw;
    if (!(l > 0) || kept.some((k) => Math.abs(l / k - 1) < SAME_LEVEL)) continue;
    kept.push(l);
  }
  return kept.sort((a, b) => a - b);
}

/** The first `n` requests of a trace with their arrivals stretched or squeezed to `rate` requests per second on average. */
function scaledTrace(load: Extract<ServeLoad, { kind: 'trace' }>, n: number, rate: number): ServeLoad {
  const t = load.requests;
  const count = Math.min(n, t.arrivalSeconds.length);
  const t0 = t.arrivalSeconds[0];
  const span = t.arrivalSeconds[count - 1] - t0;
  // All at one instant: spread evenly at the rate instead.
  const factor = span > 0 ? (count - 1) / span / rate : 0;
  const arrivalSeconds = new Float64Array(count);
  for (let i = 0; i < count; i++) arrivalSeconds[i] = factor > 0 ? (t.arrivalSeconds[i] - t0) * factor : i / rate;
  return { kind: 'trace', source: load.source ?? 'trace', requests: { arrivalSeconds, promptTokens: t.promptTokens.slice(0, count), outputTokens: t.outputTokens.slice(0, count) } };
}

/**
 * Runs the user's deployment at load levels around the user's. `x` is the input the user's report
 * came from; `user` that report (its point is taken as it is, not rerun). Throws what serve()
 * throws; a level the user's run passed every check for passes them too (the same deployment, fewer
 * requests).
 */
export function servingLoadCurve(x: AnyInput, user: AnyReport, opts: LoadCurveOptions = {}): ServingLoadCurve {
  const load = x.load;
  const userLevel = loadLevel(load);
  const saturation = saturationClients(user);
  const byTokens = Math.max(16, Math.floor(MAX_OUTPUT_TOKENS_PER_POINT / Math.max(1, user.config.osl)));
  const wanted = Math.min(MAX_REQUESTS_PER_POINT, byTokens, Math.max(opts.requestsPerPoint ?? DEFAULT_REQUESTS_PER_POINT, TURNOVERS * saturation));
  // A trace's points replay its first requests: no more than it has.
  const requestsPerPoint = load.kind === 'trace' ? Math.min(wanted, load.requests.arrivalSeconds.length) : wanted;
  // Each point alone, without the progress callback or the user's warm-up (its window is the whole bounded run).
  const { onProgress: _p, onRecords: _r, warmupSeconds: _w, ...base } = x;
  const at = (l: ServeLoad): AnyInput => ({ ...base, load: l }) as AnyInput;

  if (load.kind === 'closed') {
    const top = Math.max(CLOSED_PAST_SATURATION * saturation, 2 * userLevel);
    const candidates: number[] = [];
    for (let c = 1; c <= top; c *= 2) candidates.push(c);
    const levels = levelsAround(candidates, userLevel, true);
    const points = levels.map((c, i) => {
      const p = c === userLevel ? pointOf(user, c, true) : pointOf(run(at({ kind: 'closed', concurrency: c, requests: closedRequests(c, requestsPerPoint) })), c, false);
      opts.onProgress?.((i + 1) / levels.length);
      return p;
    });
    return { axis: 'concurrency', loadKind: 'closed', requestsPerPoint, capacityRequestsPerSecond: undefined, saturationClients: saturation, points };
  }

  // Open loads: the capacity from a closed loop of as many clients as the deployment holds at once.
  // An aggregated fleet's capacity is its replicas' (one replica probed, the router assumed even).
  const replicas = isPools(x) ? 1 : (x.replicas ?? 1);
  const perReplica = Math.max(1, Math.round(saturation / replicas));
  const probeLengths =
    load.kind === 'trace'
      ? { isl: Math.max(1, Math.round(user.config.isl)), osl: Math.max(1, Math.round(user.config.osl)) }
      : {};
  const { isl: _i, osl: _o, prompt: _pr, output: _ou, ...noLengths } = base;
  const probeBase = load.kind === 'trace' ? { ...noLengths, ...probeLengths } : base;
  const probe = run({ ...probeBase, ...(isPools(x) ? {} : { replicas: 1, fleetMethod: 'exact' as const }), load: { kind: 'closed', concurrency: perReplica, requests: Math.max(requestsPerPoint, 2 * perReplica) } } as AnyInput);
  const capacity = probe.requestsPerSecond * replicas;
  const levels = levelsAround(
    CAPACITY_FRACTIONS.map((f) => f * capacity),
    userLevel,
    false,
  );
  const points = levels.map((rate, i) => {
    let p: LoadPoint;
    if (rate === userLevel) p = pointOf(user, rate, true);
    else {
      const l: ServeLoad =
        load.kind === 'trace'
          ? scaledTrace(load, requestsPerPoint, rate)
          : load.kind === 'gamma'
            ? { kind: 'gamma', ratePerSecond: rate, durationSeconds: requestsPerPoint / rate, cv: load.cv }
            : { kind: 'poisson', ratePerSecond: rate, durationSeconds: requestsPerPoint / rate };
      p = pointOf(run(at(l)), rate, false);
    }
    opts.onProgress?.((i + 1) / levels.length);
    return p;
  });
  return { axis: 'rate', loadKind: load.kind, requestsPerPoint, capacityRequestsPerSecond: capacity, saturationClients: saturation, points };
}
