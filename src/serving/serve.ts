/**
 * One serving deployment under one load, end to end, as `clustertwin serve` answers it:
 *
 *   deployment ─► KV budget ─► step model ─► requests ─► simulation ─► latency, throughput,
 *   (system,      (what HBM     (one forward    (closed loop,   (continuous     cost, energy
 *    model, TP,    holds after   pass, timed)    Poisson, gamma  batching,
 *    format)       the weights)                  or a trace)     replicas)
 *
 * No file, terminal or Node here: the CLI parses, this runs, the CLI prints.
 */
import type { SystemSpec } from '../config/system-schema.js';
import { ClusterTwinError } from '../errors.js';
import { SECONDS_PER_DAY, SECONDS_PER_HOUR, formatCount } from '../units.js';
import { facilityWatts } from '../run/run-model.js';
import { lengthRange, meanLength, type LengthDistribution } from './arrivals.js';
import { servingDeployment, type Deployment, type DeploymentInput } from './deployment.js';
import { kvCacheBudget, type KvCacheBudget } from './kv-cache.js';
import type { LatencySummary } from './latency-stats.js';
import { NOT_MODELLED, PREFIX_CACHING_OFF } from './not-modelled.js';
import type { ReplicaConfig, RequestRecords, ServingResult } from './replica-sim.js';
import { simulateFleet, simulateFleetShortcut, type RoutingPolicy } from './router.js';
import { chooseFleetMethod, fleetMethodNote, type FleetMethod } from './fleet-method.js';
import type { SchedulerPolicy } from './scheduler.js';
import { resolveLoad, type LengthReport, type ResolvedLoad, type ServeLoad, type ServeLoadReport } from './serve-load.js';
import { servingStepTimer } from './step-model.js';
import { frameworkDefaults, type Framework } from './framework.js';
import { wholePromptPolicy } from './scheduler.js';

export type { ServeLoad, ServeLoadReport } from './serve-load.js';

export interface ServeInput extends DeploymentInput {
  /** Whose scheduler defaults to run (default vLLM): the policy and the two batch limits below, unless given. */
  framework?: Framework;
  replicas?: number;
  routing?: RoutingPolicy;
  /** Every replica simulated, or one standing for all under a Poisson load (default by replica count: fleet-method.ts). */
  fleetMethod?: FleetMethod;
  policy?: SchedulerPolicy;
  /** Most requests running at once on a replica (vLLM max_num_seqs). */
  maxBatch?: number;
  /** Most tokens a step processes (vLLM max_num_batched_tokens). */
  maxBatchedTokens?: number;
  /** Prompt and output tokens of every request (the fixed case of `prompt` and `output`; give one or the other, none with a trace). */
  isl?: number;
  osl?: number;
  /** Prompt and output tokens drawn per request. */
  prompt?: LengthDistribution;
  output?: LengthDistribution;
  load: ServeLoad;
  /** Tokens every prompt begins with (a system prompt; default 0). */
  sharedPrefixTokens?: number;
  /** Automatic prefix caching (vLLM enable_prefix_caching): the shared prefix's whole blocks are served from the KV cache. */
  prefixCaching?: boolean;
  seed?: number;
  /** Requests arriving before this are left out of the latencies and the throughput. */
  warmupSeconds?: number;
  /** Called now and then with the share of the simulation done (about: by arrival time or by steps). */
  onProgress?: (done: number) => void;
  /** Called once with the run's per-request records and the start of its measured window (the serving report's TTFT histogram); not part of the report, and not called by the disaggregated serve. */
  onRecords?: (records: RequestRecords, measuredFromSeconds: number) => void;
}

/** The `serve --json` contract. */
export interface ServeReport {
  ttftSeconds: LatencySummary;
  tpotSeconds: LatencySummary;
  e2eSeconds: LatencySummary;
  outputTokensPerSecond: number;
  requestsPerSecond: number;
  outputTokensPerSecondPerGpu: number;
  /** KV-cache tokens one replica holds. */
  kvCacheTokens: number;
  fitsInMemory: boolean;
  requests: { arrived: number; finished: number; running: number; waiting: number; rejected: number };
  preemptions: number;
  kvUtilization: { mean: number; max: number };
  gpus: number;
  /** The deployment's GPU-hours over the output tokens it produced, per million output tokens. */
  costUsdPerMillionTokens: number;
  /** Every GPU of the deployment for a day, at the system's price. */
  costUsdPerDay: number;
  /** Facility energy (GPUs at the system's power figure, hosts, PUE) per million output tokens. */
  energyKWhPerMillionTokens: number;
  /** What the validation suite's record for this prediction is keyed on: the GPU and the framework. */
  accuracyKey: { gpu: string; framework: Framework };
  /** How far to trust it: null here; the caller fills it in from the suite's record for `accuracyKey` (the engine does not read the suite). */
  accuracy: null;
  notModelled: string[];
  config: {
    system: string;
    model: string;
    tp: number;
    pp: number;
    ep: number;
    /** Attention data-parallel ranks inside the TP group (1: none). */
    attentionDp: number;
    replicas: number;
    framework: Framework;
    fleetMethod: FleetMethod;
    weightFormat: string;
    kvDtype: string;
    cudaGraphs: boolean;
    policy: SchedulerPolicy;
    routing: RoutingPolicy;
    maxBatch: number;
    maxBatchedTokens: number;
    /** Mean prompt and output tokens (the length itself when fixed; for a normal, its mean before clamping). */
    isl: number;
    osl: number;
    /** The lengths asked for, or a trace's summary. */
    prompt: LengthReport;
    output: LengthReport;
    load: ServeLoadReport;
    sharedPrefixTokens: number;
    prefixCaching: boolean;
    seed: number;
  };
}

/** Refuses a deployment whose KV cache cannot hold one request, naming what to change. */
function checkFits(d: Deployment, kv: KvCacheBudget, longest: ResolvedLoad['longest']): void {
  if (!kv.fitsInMemory) {
    const s = kv.stages.reduce((a, b) => (b.kvBudgetBytes < a.kvBudgetBytes ? b : a));
    throw new ClusterTwinError(
      'does_not_fit',
      'tp',
      `the weights (${(s.weightBytes / 2 ** 30).toFixed(1)} GiB a GPU), workspace and reserve leave no KV cache in ${(d.memoryUtilization * 100).toFixed(0)}% of ${d.system.gpu.hbmGiB} GiB; raise --tp or --pp, or a narrower --precision`,
    );
  }
  // A request's cache lives on one attention rank (all of the replica without attention DP).
  if (kv.kvCacheTokensPerAttentionRank < longest.requestTokens) {
    const where = d.attentionDp > 1 ? 'an attention rank' : 'a replica';
    throw new ClusterTwinError(
      'does_not_fit',
      longest.field,
      `${longest.words} needs more KV cache than the ${formatCount(kv.kvCacheTokensPerAttentionRank)} tokens ${where} holds; raise --tp or --pp, or --kv-dtype fp8`,
    );
  }
}

/**
 * The simulation's work, bounded before it starts: a step that only decodes costs about the same
 * whatever its batch, and a step that prefills or preempts passes over the running requests, so the
 * cost is the steps plus, at worst, the output tokens (request-steps). The bounds sit about where a
 * run takes ten seconds (the target for a day of a fleet's traffic) on 2 loaded cores:
 * bench/serving.ts simulates 250-360k steps and 92M output tokens in about 0.3 s when steps only
 * decode, and a step passing over its requests costs about 10 ns a request. The step count is
 * estimated from the fastest step, so a real run has fewer.
 */
export const MAX_SIMULATED_OUTPUT_TOKENS = 1e9;
export const MAX_SIMULATED_STEPS = 2e7;

/** About how many engine steps the simulation runs, and whether that is within its bound (the shortcut simulates one replica's share). */
export function checkSimulationSize(x: ServeInput, maxBatch: number, fastestStepSeconds: number, method: FleetMethod = 'exact'): number {
  const load = resolveLoad(x.load, x);
  const fleet = x.replicas ?? 1;
  const replicas = method === 'shortcut' ? 1 : fleet;
  const share = method === 'shortcut' ? 1 / fleet : 1;
  // The bound is on the run's whole work, so it takes the output tokens expected (mean x requests,
  // a trace's exact sum); the per-request checks take the longest request.
  const requests = share * load.expected.requests;
  const tokens = share * load.expected.outputTokens;
  const arrivalSeconds = load.expected.arrivalSeconds;
  const flag = x.load.kind === 'closed' ? 'requests' : x.load.kind === 'trace' ? 'trace' : 'duration';
  if (tokens > MAX_SIMULATED_OUTPUT_TOKENS) {
    throw new ClusterTwinError('out_of_range', flag, `${formatCount(requests)} requests of ${formatCount(tokens / requests)} output tokens on average is ${formatCount(tokens)} tokens to simulate; at most ${formatCount(MAX_SIMULATED_OUTPUT_TOKENS)}: fewer requests, or a shorter --duration`);
  }
  // Steps: at least the tokens over the widest batch; a thin load runs a step per token of its few requests.
  const batch = x.load.kind === 'closed' ? Math.min(x.load.concurrency, maxBatch * replicas) : maxBatch * replicas;
  const busySteps = x.load.kind === 'closed' ? tokens / batch : Math.min(tokens, (arrivalSeconds / fastestStepSeconds) * replicas + tokens / batch);
  if (busySteps > MAX_SIMULATED_STEPS) {
    throw new ClusterTwinError('out_of_range', flag, `about ${formatCount(busySteps)} engine steps to simulate; at most ${formatCount(MAX_SIMULATED_STEPS)}: fewer requests, more --concurrency, or a shorter --duration`);
  }
  return busySteps;
}

/**
 * Reports progress now and then from the steps as they start: by arrival time when arrivals span
 * `spanSeconds` (an open load), else by steps against the estimate (a closed loop).
 */
export function progressObserver(progress: ((done: number) => void) | undefined, spanSeconds: number, expectedSteps: number): ((o: { startSeconds: number }) => void) | undefined {
  if (!progress) return undefined;
  let steps = 0;
  return (o) => {
    if (++steps % 1024 !== 0) return;
    progress(Math.min(1, spanSeconds > 0 ? o.startSeconds / spanSeconds : steps / Math.max(1, expectedSteps)));
  };
}

/** A simulation's latencies and throughputs as the report states them, over `gpus` GPUs. */
export function latencyAndThroughput(r: Pick<ServingResult, 'ttftSeconds' | 'tpotSeconds' | 'e2eSeconds' | 'outputTokensPerSecond' | 'requestsPerSecond'>, gpus: number): Pick<ServeReport, 'ttftSeconds' | 'tpotSeconds' | 'e2eSeconds' | 'outputTokensPerSecond' | 'requestsPerSecond' | 'outputTokensPerSecondPerGpu'> {
  return {
    ttftSeconds: r.ttftSeconds,
    tpotSeconds: r.tpotSeconds,
    e2eSeconds: r.e2eSeconds,
    outputTokensPerSecond: r.outputTokensPerSecond,
    requestsPerSecond: r.requestsPerSecond,
    outputTokensPerSecondPerGpu: r.outputTokensPerSecond / gpus,
  };
}

/** Cost and energy of `gpus` GPUs of a system producing `outputTokensPerSecond`. */
export function servingCosts(system: SystemSpec, gpus: number, outputTokensPerSecond: number): Pick<ServeReport, 'costUsdPerMillionTokens' | 'costUsdPerDay' | 'energyKWhPerMillionTokens'> {
  const usdPerSecond = (gpus * system.pricing.usdPerGpuHour) / SECONDS_PER_HOUR;
  const perMillion = (perSecond: number): number => (outputTokensPerSecond > 0 ? (perSecond / outputTokensPerSecond) * 1e6 : Infinity);
  return {
    costUsdPerMillionTokens: perMillion(usdPerSecond),
    costUsdPerDay: usdPerSecond * SECONDS_PER_DAY,
    // The GPUs draw what the run model says a job of as many GPUs draws (whole nodes, PUE).
    energyKWhPerMillionTokens: perMillion(facilityWatts(system, gpus) / 3.6e6),
  };
}

export function serve(x: ServeInput): ServeReport {
  const d = servingDeployment(x);
  const replicas = x.replicas ?? 1;
  const load = resolveLoad(x.load, x);
  const longest = load.longest;
  const maxSeq = d.model.maxSeq;
  if (maxSeq !== undefined && longest.requestTokens > maxSeq) {
    const words = load.prompt.kind === 'fixed' && load.output.kind === 'fixed' ? `${longest.promptTokens} prompt + ${longest.outputTokens} output tokens pass` : `${longest.words} passes`;
    throw new ClusterTwinError('out_of_range', longest.field, `${words} ${d.model.name}'s context of ${maxSeq.toLocaleString('en-US')}`);
  }
  const kv = kvCacheBudget(d);
  checkFits(d, kv, longest);
  const framework = x.framework ?? 'vllm';
  const defaults = frameworkDefaults(framework, d.system.gpu);
  const policy = x.policy ?? defaults.policy;
  const routing = x.routing ?? 'round-robin';
  const maxBatch = x.maxBatch ?? defaults.maxBatch;
  const maxBatchedTokens = x.maxBatchedTokens ?? defaults.maxBatchedTokens;
  if (wholePromptPolicy(policy) && longest.promptTokens > maxBatchedTokens) {
    const which = load.prompt.kind === 'fixed' ? '' : longest.field === 'trace' ? " (the trace's longest)" : ' (the longest the lengths allow)';
    throw new ClusterTwinError('out_of_range', longest.field === 'trace' ? 'trace' : 'isl', `a ${longest.promptTokens}-token prompt${which} is more than the ${maxBatchedTokens} tokens a step takes without chunked prefill (${policy}); raise --max-batched-tokens or use --policy chunked-prefill`);
  }
  const sharedPrefix = x.sharedPrefixTokens ?? 0;
  const shortest = load.prompt.kind === 'trace' ? load.prompt.minTokens : lengthRange(load.prompt).minTokens;
  if (!(Number.isInteger(sharedPrefix) && sharedPrefix >= 0 && sharedPrefix <= shortest)) {
    throw new ClusterTwinError('out_of_range', 'sharedPrefix', `every prompt begins with the shared prefix, so it is a whole number of tokens from 0 to the shortest prompt, ${shortest}; got ${sharedPrefix}`);
  }
  const prefixCacheTokens = x.prefixCaching ? sharedPrefix : 0;
  const timer = servingStepTimer(d);
  const fastest = timer.stepSeconds({ prefillTokens: 0, prefillRequests: 0, prefillPriorTokens: 0, decodeRequests: 1, decodeContextTokens: 1 });
  const fleetMethod = chooseFleetMethod(replicas, x.load.kind, x.fleetMethod);
  const expectedSteps = checkSimulationSize(x, maxBatch, fastest, fleetMethod);
  const seed = x.seed ?? 1;
  const config: ReplicaConfig = { timer, kvBudgetTokens: kv.kvCacheTokens, maxNumSeqs: maxBatch, maxBatchedTokens, policy, prefixCacheTokens };
  const observe = progressObserver(x.onProgress, x.load.kind !== 'closed' ? load.expected.arrivalSeconds : 0, expectedSteps);
  const options = { warmupSeconds: x.warmupSeconds ?? 0, ...(observe ? { observe } : {}) };
  // The shortcut takes only a Poisson load (chooseFleetMethod), whose lengths are distributions, never a trace's.
  const r =
    fleetMethod === 'shortcut' && x.load.kind === 'poisson'
      ? scaledShortcut(simulateFleetShortcut({ ratePerSecond: x.load.ratePerSecond, durationSeconds: x.load.durationSeconds, prompt: load.prompt as LengthDistribution, output: load.output as LengthDistribution, seed }, config, replicas, options), replicas)
      : simulateFleet(load.workload(seed), Array.from({ length: replicas }, () => config), routing, { ...options, routingSeed: seed });
  x.onRecords?.(r.records, r.measuredSeconds.start);
  const gpus = d.gpus * replicas;
  return {
    ...latencyAndThroughput(r, gpus),
    kvCacheTokens: kv.kvCacheTokens,
    fitsInMemory: kv.fitsInMemory,
    requests: r.requests,
    preemptions: r.preemptions,
    kvUtilization: r.kvUtilization,
    gpus,
    ...servingCosts(d.system, gpus, r.outputTokensPerSecond),
    accuracyKey: { gpu: d.system.gpu.name, framework },
    accuracy: null,
    notModelled: [
      ...(x.prefixCaching ? NOT_MODELLED.filter((l) => l !== PREFIX_CACHING_OFF) : NOT_MODELLED),
      ...(x.prefixCaching ? [PREFIX_CACHING_ON] : []),
      "power while serving: each GPU draws the system's training figure (gpuPowerFractionOfTdp of TDP); decode-bound serving draws less",
      ...(load.sameLengths ? ['every request has the same prompt and output length (--isl, --osl)'] : []),
      ...(fleetMethod === 'shortcut' ? [fleetMethodNote(fleetMethod, replicas, routing)] : []),
    ],
    config: {
      system: d.system.name,
      model: d.model.name,
      tp: d.tp,
      pp: d.pp,
      ep: d.ep,
      attentionDp: d.attentionDp,
      replicas,
      framework,
      fleetMethod,
      weightFormat: d.weightFormat,
      kvDtype: d.kvDtype,
      cudaGraphs: d.cudaGraphs,
      policy,
      routing,
      maxBatch,
      maxBatchedTokens,
      isl: meanOf(load.prompt),
      osl: meanOf(load.output),
      prompt: load.prompt,
      output: load.output,
      load: load.report,
      sharedPrefixTokens: sharedPrefix,
      prefixCaching: x.prefixCaching === true,
      seed,
    },
  };
}

/** The shortcut's one replica as the fleet's report: its counts multiplied by the replicas (estimates; its latencies stand as they are). */
function scaledShortcut(one: ReturnType<typeof simulateFleetShortcut>, replicas: number): ReturnType<typeof simulateFleetShortcut> {
  const q = one.requests;
  const times = (n: number): number => n * replicas;
  return {
    ...one,
    requests: { arrived: times(q.arrived), finished: times(q.finished), running: times(q.running), waiting: times(q.waiting), rejected: times(q.rejected) },
    preemptions: times(one.preemptions),
  };
}

const meanOf = (l: LengthReport): number => (l.kind === 'trace' ? l.meanTokens : meanLength(l));

/** What serve's prefix caching leaves out, when it is on. */
const PREFIX_CACHING_ON =
  "prefix caching: only the one prefix every prompt shares (--shared-prefix) is cached, resident from the start and never evicted; no other hits (repeated documents, multi-turn chats); hits are whole 16-token blocks as vLLM's, for every --framework (SGLang's radix cache matches to the token); the hashing and lookup cost no host time";
