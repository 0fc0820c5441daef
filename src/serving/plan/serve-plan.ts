/**
 * `clustertwin serve-plan`: the cheapest serving deployment that meets latency targets at a
 * traffic level, searched over systems, TP x PP x EP, weight formats and batch limits, with the
 * number of replicas the traffic needs.
 *
 *   space ─► validate ─► bounds ─► order by cost bound ─► replica search ─► best, front
 *   (per     (splits,     (TTFT and   (cheapest first;      (one replica at
 *    system)  memory,      TPOT        prune what cannot     rate / replicas,
 *             KV)          floors)     be cheaper or on      simulated; fewest
 *                                      the front)            replicas meeting
 *                                                            the targets)
 *
 * What it assumes (also in the report's notes): one replica at rate / replicas stands for the
 * fleet (exact for random routing, pessimistic for round-robin and least-outstanding; router.ts);
 * a bounded number of Poisson requests per probe; more replicas at a fixed total rate never
 * raise latency (the replica search bisects on it); and the bounds in bounds.ts.
 */
import type { ModelSpec } from '../../config/model-schema.js';
import type { SystemSpec } from '../../config/system-schema.js';
import { ClusterTwinError, invalid } from '../../errors.js';
import { MAX_GPUS } from '../../config/bounds.js';
import { facilityWatts } from '../../run/run-model.js';
import { SECONDS_PER_DAY } from '../../units.js';
import { servingDeployment, type Deployment } from '../deployment.js';
import { kvCacheBudget } from '../kv-cache.js';
import type { LatencySummary } from '../latency-stats.js';
import { NOT_MODELLED } from '../not-modelled.js';
import { servingStepTimer } from '../step-model.js';
import type { KvDtype, WeightFormat } from '../weight-format.js';
import { deploymentBounds, type DeploymentBounds } from './bounds.js';
import { paretoFront } from './pareto.js';
import { DEFAULT_PROBE_REQUESTS, PROBE_WARMUP_SHARE, ReplicaProbe, type ProbeResult } from './replica-probe.js';
import { MissLog } from './miss-log.js';
import { DEFAULT_MAX_BATCH, deploymentShapes, type DeploymentShape, type PlanSpaceInput } from './space.js';
import { meetsTargets, percentileOf, targetFlag, tightest, type LatencyTarget, type TargetPercentile } from './targets.js';

/** The front is kept to deployments costing at most this many times the cheapest (candidates past it are not simulated). */
export const DEFAULT_FRONT_COST_RATIO = 1.5;
/** A replica whose share of the traffic keeps at most this many requests in flight (at the latency floors) is idle enough that queueing is negligible: the replica search stops there. */
const LIGHT_LOAD_REQUESTS_IN_FLIGHT = 0.02;
/** The step budget a plan's replicas run with (vLLM's max_num_batched_tokens default, as `serve`). */
export const PLAN_MAX_BATCHED_TOKENS = 8192;
/**
 * Output tokens one probe may simulate: a plan runs dozens of probes, and the simulation passes
 * about 3-4 million request-tokens a second on one core (bench/serving.ts), so this keeps a probe
 * to a few seconds at most.
 */
export const MAX_PROBE_OUTPUT_TOKENS = 2e7;

export interface ServePlanInput {
  systems: readonly SystemSpec[];
  model: ModelSpec;
  /** Requests a second, over the whole fleet. */
  ratePerSecond: number;
  isl: number;
  osl: number;
  targets: readonly LatencyTarget[];
  space?: PlanSpaceInput;
  kvDtype?: KvDtype;
  /** Requests each probe simulates (default 1,000). */
  requests?: number;
  seed?: number;
  frontCostRatio?: number;
  /** Called now and then with the share of the candidates done. */
  onProgress?: (done: number) => void;
}

/** One deployment with the replicas the traffic needs, as the plan reports it. */
export interface PlannedDeployment {
  system: string;
  tp: number;
  pp: number;
  ep: number;
  weightFormat: WeightFormat;
  kvDtype: KvDtype;
  maxBatch: number;
  replicas: number;
  gpusPerReplica: number;
  gpus: number;
  costUsdPerDay: number;
  /** Cost over the output tokens the traffic asks for (rate x osl), per million. */
  costUsdPerMillionTokens: number;
  /** Facility energy of every GPU of the fleet for a day (the system's power figure, hosts, PUE). */
  energyKWhPerDay: number;
  ttftSeconds: LatencySummary;
  tpotSeconds: LatencySummary;
  e2eSeconds: LatencySummary;
  /** The fleet's output tokens a second over its GPUs, as the probe measured it. */
  outputTokensPerSecondPerGpu: number;
  kvCacheTokens: number;
  /** The most requests running at once on the probed replica. */
  peakBatch: number;
  preemptions: number;
  /** The latency the front is drawn against: TPOT at the front's percentile. */
  latencySeconds: number;
}

/** Why candidates were left out, and how many. */
export type RejectReason =
  | 'invalid-split'
  | 'unsupported-format'
  | 'weights-do-not-fit'
  | 'request-does-not-fit-kv'
  | 'ttft-floor-above-target'
  | 'tpot-floor-above-target'
  | 'costs-more-than-front'
  | 'dominated-by-bound'
  | 'misses-targets-at-light-load'
  | 'more-gpus-than-bound';

export const REJECT_REASON_TEXT: Record<RejectReason, string> = {
  'invalid-split': 'TP, PP or EP does not divide the model (heads, KV heads, layers, experts)',
  'unsupported-format': "the GPU's tensor cores lack the weight format",
  'weights-do-not-fit': 'the weights, workspace and reserve do not fit in HBM',
  'request-does-not-fit-kv': 'the KV cache cannot hold one request',
  'ttft-floor-above-target': "one idle prompt's prefill already passes the TTFT target",
  'tpot-floor-above-target': 'one decode step at batch 1 already passes the TPOT target',
  'costs-more-than-front': 'its cost bound is above the front (a multiple of the cheapest)',
  'dominated-by-bound': 'a simulated deployment is as cheap and as fast as its bounds',
  'misses-targets-at-light-load': 'misses the targets even with the traffic spread thin',
  'more-gpus-than-bound': `would need more than ${MAX_GPUS.toLocaleString('en-US')} GPUs (the largest job the twin takes)`,
};

export interface ServePlanReport {
  /** The cheapest deployment meeting every target (ties: the lower latency); null when none does. */
  best: PlannedDeployment | null;
  /** Cost against latency (TPOT at `frontPercentile`), cheapest first, up to `frontCostRatio` x the best's cost. */
  front: PlannedDeployment[];
  frontPercentile: TargetPercentile;
  frontCostRatio: number;
  /** Candidates: (deployment, batch limit) pairs over every system. */
  considered: number;
  /** Candidates whose replica count was searched by simulation. */
  simulated: number;
  simulations: number;
  rejected: { reason: RejectReason; count: number; text: string }[];
  /** The lowest TTFT and TPOT floors over the valid deployments (what no target below can be met by). */
  floors: { ttftSeconds: number; tpotSeconds: number } | null;
  traffic: { ratePerSecond: number; requestsPerDay: number; isl: number; osl: number; outputTokensPerDay: number };
  targets: LatencyTarget[];
  notes: string[];
  accuracy: null;
  notModelled: string[];
  config: { model: string; systems: string[]; kvDtype: KvDtype; maxBatchedTokens: number; requestsPerProbe: number; seed: number; maxBatch: number[] };
}

/** A valid deployment with what the search needs of it. */
interface Valid {
  d: Deployment;
  kvCacheTokens: number;
  bounds: DeploymentBounds;
  probe: ReplicaProbe;
  misses: MissLog;
  usdPerReplicaDay: number;
}

interface Candidate {
  v: Valid;
  maxBatch: number;
  minReplicas: number;
  lowerCostUsdPerDay: number;
}

function checkInput(x: ServePlanInput): void {
  if (x.systems.length === 0) throw invalid('system', 'give at least one system');
  if (!(x.ratePerSecond > 0) || !Number.isFinite(x.ratePerSecond)) throw invalid('rate', `expected requests per second above 0, got ${x.ratePerSecond}`);
  if (x.targets.length === 0) throw invalid('--ttft-p99', 'give at least one latency target (--ttft-p99, --tpot-p99, or at p50 or p90)');
  for (const t of x.targets) {
    if (!(t.seconds > 0) || !Number.isFinite(t.seconds)) throw invalid(targetFlag(t), `expected seconds above 0, got ${t.seconds}`);
    if (t.metric === 'tpot' && x.osl < 2) throw invalid(targetFlag(t), 'a one-token output has no time per output token: raise --osl or drop the TPOT target');
  }
  const requests = x.requests ?? DEFAULT_PROBE_REQUESTS;
  if (!(Number.isInteger(requests) && requests >= 10)) throw invalid('requests', `expected a whole number of requests a probe, 10 or more, got ${requests}`);
  if (requests * x.osl > MAX_PROBE_OUTPUT_TOKENS) {
    throw new ClusterTwinError('out_of_range', 'requests', `${requests.toLocaleString('en-US')} requests of ${x.osl.toLocaleString('en-US')} output tokens is ${(requests * x.osl).toExponential(1)} tokens a probe; at most ${MAX_PROBE_OUTPUT_TOKENS.toExponential(0)}: fewer --requests (at least 100) or a shorter --osl`);
  }
  const maxSeq = x.model.maxSeq;
  if (maxSeq !== undefined && x.isl + x.osl > maxSeq) throw new ClusterTwinError('out_of_range', 'isl', `${x.isl} prompt + ${x.osl} output tokens pass ${x.model.name}'s context of ${maxSeq.toLocaleString('en-US')}`);
}

export function servePlan(x: ServePlanInput): ServePlanReport {
  checkInput(x);
  const kvDtype = x.kvDtype ?? 'bf16';
  const requests = x.requests ?? DEFAULT_PROBE_REQUESTS;
  const seed = x.seed ?? 1;
  const ratio = x.frontCostRatio ?? DEFAULT_FRONT_COST_RATIO;
  if (!(ratio >= 1)) throw invalid('frontCostRatio', `expected 1 or more, got ${ratio}`);
  const batches = [...(x.space?.maxBatch ?? DEFAULT_MAX_BATCH)].sort((a, b) => a - b);
  const frontPercentile = Math.max(...x.targets.map((t) => t.percentile)) as TargetPercentile;
  const ttftTarget = tightest(x.targets, 'ttft');
  const tpotTarget = tightest(x.targets, 'tpot');
  const rejected = new Map<RejectReason, number>();
  const reject = (r: RejectReason, n = 1): void => void rejected.set(r, (rejected.get(r) ?? 0) + n);
  let considered = 0;
  const floors = { ttftSeconds: Infinity, tpotSeconds: Infinity };

  // 1-3. Validate each deployment, bound it, and list its candidates with their cost bounds.
  const candidates: Candidate[] = [];
  for (const system of x.systems) {
    for (const shape of deploymentShapes(system, x.model, x.space ?? {})) {
      considered += batches.length;
      const v = validate(shape, x, kvDtype, requests, seed, batches[batches.length - 1]);
      if (typeof v === 'string') {
        reject(v, batches.length);
        continue;
      }
      const b = v.bounds;
      floors.ttftSeconds = Math.min(floors.ttftSeconds, b.ttftFloorSeconds);
      floors.tpotSeconds = Math.min(floors.tpotSeconds, b.tpotFloorSeconds);
      if (ttftTarget && b.ttftFloorSeconds > ttftTarget.seconds) {
        reject('ttft-floor-above-target', batches.length);
        continue;
      }
      if (tpotTarget && b.tpotFloorSeconds > tpotTarget.seconds) {
        reject('tpot-floor-above-target', batches.length);
        continue;
      }
      for (const maxBatch of batches) {
        const minReplicas = Math.max(1, Math.ceil(x.ratePerSecond / b.capacityRequestsPerSecond(maxBatch) - 1e-9));
        candidates.push({ v, maxBatch, minReplicas, lowerCostUsdPerDay: minReplicas * v.usdPerReplicaDay });
      }
    }
  }
  const order = (a: Candidate, b: Candidate): number => a.lowerCostUsdPerDay - b.lowerCostUsdPerDay || a.v.bounds.tpotFloorSeconds - b.v.bounds.tpotFloorSeconds || b.maxBatch - a.maxBatch;
  const queue = [...candidates].sort(order);

  // 4. Cheapest bound first; skip what can be neither cheaper than the best nor on the front. A
  // candidate whose bound has risen since (its deployment's probes ruled out more replicas) goes
  // back in line at its new bound.
  const found: PlannedDeployment[] = [];
  let best: PlannedDeployment | null = null;
  let simulated = 0;
  let done = 0;
  const progressEvery = Math.max(1, Math.floor(candidates.length / 100));
  while (queue.length > 0) {
    const c = queue.shift()!;
    const fewest = Math.max(c.minReplicas, c.v.misses.fewestNotRuledOut(c.maxBatch));
    if (fewest > c.minReplicas) {
      c.minReplicas = fewest;
      c.lowerCostUsdPerDay = fewest * c.v.usdPerReplicaDay;
      queue.splice(insertionPoint(queue, c, order), 0, c);
      continue;
    }
    if (x.onProgress && done % progressEvery === 0) x.onProgress(done / candidates.length);
    done++;
    if (best && c.lowerCostUsdPerDay > ratio * best.costUsdPerDay) {
      reject('costs-more-than-front', queue.length + 1);
      break;
    }
    const latencyFloor = c.v.bounds.tpotFloorSeconds;
    if (found.some((p) => p.costUsdPerDay <= c.lowerCostUsdPerDay && p.latencySeconds <= latencyFloor)) {
      reject('dominated-by-bound');
      continue;
    }
    if (c.minReplicas * c.v.d.gpus > MAX_GPUS) {
      reject('more-gpus-than-bound');
      continue;
    }
    simulated++;
    const r = fewestReplicas(c, x);
    if (r === null) {
      reject('misses-targets-at-light-load');
      continue;
    }
    const p = planned(c, r.replicas, r.result, x, kvDtype, frontPercentile);
    found.push(p);
    if (!best || p.costUsdPerDay < best.costUsdPerDay || (p.costUsdPerDay === best.costUsdPerDay && p.latencySeconds < best.latencySeconds)) best = p;
  }
  // Limits above a probe's peak ran the same simulation: of equal answers, report the smallest limit.
  found.sort((a, b) => a.maxBatch - b.maxBatch);
  if (best) {
    const b = best;
    best = found.find((p) => p.costUsdPerDay === b.costUsdPerDay && p.latencySeconds === b.latencySeconds) ?? b;
  }
  x.onProgress?.(1);
  const bestCost = best?.costUsdPerDay ?? Infinity;
  const front = paretoFront(found.filter((p) => p.costUsdPerDay <= ratio * bestCost));
  const simulations = uniqueProbes(candidates).reduce((a, p) => a + p.simulations, 0);
  const outputTokensPerDay = x.ratePerSecond * SECONDS_PER_DAY * x.osl;
  return {
    best,
    front,
    frontPercentile,
    frontCostRatio: ratio,
    considered,
    simulated,
    simulations,
    rejected: [...rejected].map(([reason, count]) => ({ reason, count, text: REJECT_REASON_TEXT[reason] })),
    floors: Number.isFinite(floors.ttftSeconds) ? floors : null,
    traffic: { ratePerSecond: x.ratePerSecond, requestsPerDay: x.ratePerSecond * SECONDS_PER_DAY, isl: x.isl, osl: x.osl, outputTokensPerDay },
    targets: [...x.targets],
    notes: planNotes(requests, ratio, frontPercentile),
    accuracy: null,
    notModelled: [
      ...NOT_MODELLED,
      "power while serving: each GPU draws the system's training figure (gpuPowerFractionOfTdp of TDP); decode-bound serving draws less",
      'every request has the same prompt and output length (--isl, --osl), and arrivals are Poisson at a steady rate (no daily peak)',
    ],
    config: { model: x.model.name, systems: x.systems.map((s) => s.name), kvDtype, maxBatchedTokens: PLAN_MAX_BATCHED_TOKENS, requestsPerProbe: requests, seed, maxBatch: batches },
  };
}

/** A deployment shape checked as `serve` checks it, or the reason it is left out. */
function validate(shape: DeploymentShape, x: ServePlanInput, kvDtype: KvDtype, requests: number, seed: number, maxBatchLimit: number): Valid | RejectReason {
  let d: Deployment;
  try {
    d = servingDeployment({ system: shape.system, model: x.model, tp: shape.tp, pp: shape.pp, ep: shape.ep, weightFormat: shape.weightFormat, kvDtype });
  } catch (e) {
    if (e instanceof ClusterTwinError) return e.code === 'unsupported' ? 'unsupported-format' : 'invalid-split';
    throw e;
  }
  const kv = kvCacheBudget(d);
  if (!kv.fitsInMemory) return 'weights-do-not-fit';
  if (kv.kvCacheTokens < x.isl + x.osl) return 'request-does-not-fit-kv';
  const timer = servingStepTimer(d);
  const bounds = deploymentBounds({ timer, kvCacheTokens: kv.kvCacheTokens, isl: x.isl, osl: x.osl, maxBatchedTokens: PLAN_MAX_BATCHED_TOKENS, maxBatchLimit });
  const probe = new ReplicaProbe({ timer, kvCacheTokens: kv.kvCacheTokens, maxBatchedTokens: PLAN_MAX_BATCHED_TOKENS, ratePerSecond: x.ratePerSecond, isl: x.isl, osl: x.osl, requests, seed });
  return { d, kvCacheTokens: kv.kvCacheTokens, bounds, probe, misses: new MissLog(), usdPerReplicaDay: d.gpus * d.system.pricing.usdPerGpuHour * 24 };
}

/**
 * The fewest replicas from the capacity bound up that meet the targets: try the bound, then
 * double until the targets are met, then close in (more replicas never raise latency). Closing in
 * interpolates where the worst target's excess (measured over target, in logs) crosses 1 between
 * the last miss and the first pass, and bisects whenever an interpolation did not halve the gap,
 * so it is never slower than bisection by more than a step in two. Null when even the light-load
 * count misses them.
 */
function fewestReplicas(c: Candidate, x: ServePlanInput): { replicas: number; result: ProbeResult } | null {
  const lightLoad = Math.ceil((x.ratePerSecond * c.v.bounds.e2eFloorSeconds) / LIGHT_LOAD_REQUESTS_IN_FLIGHT);
  const most = Math.min(Math.max(c.minReplicas, lightLoad), Math.floor(MAX_GPUS / c.v.d.gpus));
  const probe = (r: number): { p: ProbeResult; ok: boolean } => {
    const p = c.v.probe.at(c.maxBatch, r);
    if (p.rejected === 0 && meetsTargets(p, x.targets)) return { p, ok: true };
    const missed = (m: 'ttft' | 'tpot'): boolean => !meetsTargets(p, x.targets.filter((t) => t.metric === m));
    c.v.misses.record(c.maxBatch, r, { ttft: missed('ttft'), tpot: missed('tpot') });
    return { p, ok: false };
  };
  let hi = c.minReplicas;
  let at = probe(hi);
  if (at.ok) return { replicas: hi, result: at.p };
  let lo = hi;
  let missLo = at.p;
  while (!at.ok) {
    if (hi >= most) return null;
    lo = hi;
    missLo = at.p;
    hi = Math.min(most, hi * 2);
    at = probe(hi);
  }
  let passHi = at.p;
  let interpolate = true;
  while (hi - lo > 1) {
    const gap = hi - lo;
    const a = Math.log(worstExcess(missLo, x.targets));
    const b = Math.log(worstExcess(passHi, x.targets));
    const mid = interpolate && Number.isFinite(a) && a > 0 && b <= 0 && Number.isFinite(b) ? Math.min(hi - 1, Math.max(lo + 1, Math.round(lo + (a / (a - b)) * gap))) : Math.floor((lo + hi) / 2);
    const m = probe(mid);
    if (m.ok) {
      hi = mid;
      passHi = m.p;
    } else {
      lo = mid;
      missLo = m.p;
    }
    interpolate = !interpolate || hi - lo <= gap / 2;
  }
  return { replicas: hi, result: passHi };
}

/** The largest measured-over-target ratio over the targets (above 1: missed; a missing sample or a rejection: infinite). */
function worstExcess(p: ProbeResult, targets: readonly LatencyTarget[]): number {
  if (p.rejected > 0) return Infinity;
  let worst = 0;
  for (const t of targets) {
    const v = percentileOf(t.metric === 'ttft' ? p.ttftSeconds : p.tpotSeconds, t.percentile) / t.seconds;
    worst = Math.max(worst, Number.isNaN(v) ? Infinity : v);
  }
  return worst;
}

function planned(c: Candidate, replicas: number, r: ProbeResult, x: ServePlanInput, kvDtype: KvDtype, frontPercentile: TargetPercentile): PlannedDeployment {
  const d = c.v.d;
  const gpus = d.gpus * replicas;
  const costUsdPerDay = replicas * c.v.usdPerReplicaDay;
  const outputTokensPerDay = x.ratePerSecond * SECONDS_PER_DAY * x.osl;
  return {
    system: d.system.name,
    tp: d.tp,
    pp: d.pp,
    ep: d.ep,
    weightFormat: d.weightFormat,
    kvDtype,
    maxBatch: c.maxBatch,
    replicas,
    gpusPerReplica: d.gpus,
    gpus,
    costUsdPerDay,
    costUsdPerMillionTokens: (costUsdPerDay / outputTokensPerDay) * 1e6,
    energyKWhPerDay: (facilityWatts(d.system, gpus) * SECONDS_PER_DAY) / 3.6e6,
    ttftSeconds: r.ttftSeconds,
    tpotSeconds: r.tpotSeconds,
    e2eSeconds: r.e2eSeconds,
    outputTokensPerSecondPerGpu: r.outputTokensPerSecond / gpus,
    kvCacheTokens: c.v.kvCacheTokens,
    peakBatch: r.peakRunning,
    preemptions: r.preemptions,
    latencySeconds: percentileOf(r.tpotSeconds, frontPercentile),
  };
}

/** Where `c` goes in the sorted `queue` (after its equals). */
function insertionPoint(queue: readonly Candidate[], c: Candidate, order: (a: Candidate, b: Candidate) => number): number {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order(queue[mid], c) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function uniqueProbes(cs: readonly Candidate[]): ReplicaProbe[] {
  return [...new Set(cs.map((c) => c.v.probe))];
}

function planNotes(requests: number, ratio: number, p: TargetPercentile): string[] {
  return [
    `each candidate's replica is simulated alone at rate / replicas (router.ts simulateFleetShortcut): exact for random routing, pessimistic (more queueing) for round-robin and least-outstanding`,
    `each probe simulates about ${requests.toLocaleString('en-US')} Poisson requests and leaves the first ${PROBE_WARMUP_SHARE * 100}% out as warm-up: the p99 rests on the slowest 1% of them`,
    'the replica count is searched from a capacity bound (the step model\'s best decode and prefill rates) upward, doubling then bisecting: it assumes more replicas at a fixed total rate never raise latency',
    "a deployment's probes rule out replica counts for its other batch limits: a TTFT miss at a limit is taken as a miss at every smaller limit, a TPOT miss as one at every larger limit (at as many replicas or fewer)",
    'candidates are dropped before simulation by floors (an idle prefill for TTFT, one decode step at batch 1 for TPOT) and by cost bounds; each floor assumes a step is never faster for holding more work',
    `the front plots cost a day against TPOT p${p}, among deployments costing at most ${ratio}x the cheapest; candidates whose cost bound is higher are not simulated`,
    'cost is every GPU of the fleet for a day at the system\'s price, whether busy or idle; energy counts each GPU at the system\'s power figure all day',
  ];
}
