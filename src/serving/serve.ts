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
import { ClusterTwinError } from '../errors.js';
import { SECONDS_PER_DAY, SECONDS_PER_HOUR, formatCount } from '../units.js';
import { facilityWatts } from '../run/run-model.js';
import { lengthRange, meanLength, type LengthDistribution } from './arrivals.js';
import { servingDeployment, type Deployment, type DeploymentInput } from './deployment.js';
import { kvCacheBudget, type KvCacheBudget } from './kv-cache.js';
import type { LatencySummary } from './latency-stats.js';
import { NOT_MODELLED, PREFIX_CACHING_OFF } from './not-modelled.js';
import type { ReplicaConfig } from './replica-sim.js';
import { simulateFleet, type RoutingPolicy } from './router.js';
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
 * The simulation's work, bounded before it starts: each step passes over the running requests, so
 * its cost is about the output tokens (request-steps) plus the steps; past these it would take
 * more than a few seconds (bench/serving.ts: 92M output tokens in about 1.3 s on 2 cores).
 */
export const MAX_SIMULATED_OUTPUT_TOKENS = 2e8;
export const MAX_SIMULATED_STEPS = 1e7;

/** About how many engine steps the simulation runs, and whether that is within its bound. */
export function checkSimulationSize(x: ServeInput, maxBatch: number, fastestStepSeconds: number): number {
  const load = resolveLoad(x.load, x);
  const replicas = x.replicas ?? 1;
  // The bound is on the run's whole work, so it takes the output tokens expected (mean x requests,
  // a trace's exact sum); the per-request checks take the longest request.
  const { requests, outputTokens: tokens, arrivalSeconds } = load.expected;
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
  const expectedSteps = checkSimulationSize(x, maxBatch, fastest);
  const seed = x.seed ?? 1;
  const workload = load.workload(seed);
  const config: ReplicaConfig = { timer, kvBudgetTokens: kv.kvCacheTokens, maxNumSeqs: maxBatch, maxBatchedTokens, policy, prefixCacheTokens };
  // Progress by arrival time under an open load, by steps against the estimate in a closed loop.
  const span = load.expected.arrivalSeconds;
  let steps = 0;
  const progress = x.onProgress;
  const observe = progress
    ? (o: { startSeconds: number }) => {
        if (++steps % 1024 !== 0) return;
        progress(Math.min(1, x.load.kind !== 'closed' && span > 0 ? o.startSeconds / span : steps / Math.max(1, expectedSteps)));
      }
    : undefined;
  const r = simulateFleet(workload, Array.from({ length: replicas }, () => config), routing, { warmupSeconds: x.warmupSeconds ?? 0, routingSeed: seed, ...(observe ? { observe } : {}) });
  const gpus = d.gpus * replicas;
  const usdPerSecond = (gpus * d.system.pricing.usdPerGpuHour) / SECONDS_PER_HOUR;
  const perMillion = (perSecond: number): number => (r.outputTokensPerSecond > 0 ? (perSecond / r.outputTokensPerSecond) * 1e6 : Infinity);
  return {
    ttftSeconds: r.ttftSeconds,
    tpotSeconds: r.tpotSeconds,
    e2eSeconds: r.e2eSeconds,
    outputTokensPerSecond: r.outputTokensPerSecond,
    requestsPerSecond: r.requestsPerSecond,
    outputTokensPerSecondPerGpu: r.outputTokensPerSecond / gpus,
    kvCacheTokens: kv.kvCacheTokens,
    fitsInMemory: kv.fitsInMemory,
    requests: r.requests,
    preemptions: r.preemptions,
    kvUtilization: r.kvUtilization,
    gpus,
    costUsdPerMillionTokens: perMillion(usdPerSecond),
    costUsdPerDay: usdPerSecond * SECONDS_PER_DAY,
    // The deployment's GPUs draw what the run model says a job of as many GPUs draws (whole nodes, PUE).
    energyKWhPerMillionTokens: perMillion(facilityWatts(d.system, gpus) / 3.6e6),
    accuracyKey: { gpu: d.system.gpu.name, framework },
    accuracy: null,
    notModelled: [
      ...(x.prefixCaching ? NOT_MODELLED.filter((l) => l !== PREFIX_CACHING_OFF) : NOT_MODELLED),
      ...(x.prefixCaching ? [PREFIX_CACHING_ON] : []),
      "power while serving: each GPU draws the system's training figure (gpuPowerFractionOfTdp of TDP); decode-bound serving draws less",
      ...(load.sameLengths ? ['every request has the same prompt and output length (--isl, --osl)'] : []),
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

const meanOf = (l: LengthReport): number => (l.kind === 'trace' ? l.meanTokens : meanLength(l));

/** What serve's prefix caching leaves out, when it is on. */
const PREFIX_CACHING_ON =
  "prefix caching: only the one prefix every prompt shares (--shared-prefix) is cached, resident from the start and never evicted; no other hits (repeated documents, multi-turn chats); hits are whole 16-token blocks as vLLM's, for every --framework (SGLang's radix cache matches to the token); the hashing and lookup cost no host time";
