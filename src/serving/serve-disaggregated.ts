/**
 * `serve` for a disaggregated deployment: a prefill pool and a decode pool, each of identical
 * workers with their own TP/PP/EP and batch limits, on one system, under one load.
 *
 *   pools ─► each pool's deployment, KV budget, step model ─► KV transfer (network model) ─►
 *   disaggregated simulation (disaggregated.ts) ─► the ServeReport over all GPUs + each pool's use
 *
 * Both pools share the system, the model, the weight and KV formats and the scheduler policy; the
 * report's `config.tp/pp/ep/maxBatch/maxBatchedTokens` and `kvCacheTokens` are the decode pool's,
 * `config.replicas` the workers of both, and `disaggregated` holds each pool's own.
 */
import { ClusterTwinError } from '../errors.js';
import { formatCount } from '../units.js';
import { servingDeployment, type Deployment } from './deployment.js';
import { runDisaggregated } from './disaggregated.js';
import { kvBytesPerToken, kvCacheBudget } from './kv-cache.js';
import { kvTransferTimer } from './kv-transfer.js';
import type { LatencySummary } from './latency-stats.js';
import { NOT_MODELLED } from './not-modelled.js';
import type { ReplicaConfig } from './replica-sim.js';
import { assertFixedLoad, resolveLoad } from './serve-load.js';
import { checkSimulationSize, latencyAndThroughput, progressObserver, servingCosts, type ServeInput, type ServeReport } from './serve.js';
import { servingStepTimer } from './step-model.js';
import { frameworkDefaults } from './framework.js';
import { wholePromptPolicy } from './scheduler.js';

/** One pool: how many workers, and each worker's parallelism and batch limits (defaults: the aggregated fields of ServeInput). */
export interface ServePoolInput {
  workers: number;
  tp?: number;
  pp?: number;
  ep?: number;
  maxBatch?: number;
  maxBatchedTokens?: number;
}

export interface DisaggregatedServeInput extends ServeInput {
  prefill: ServePoolInput;
  decode: ServePoolInput;
}

/** One pool in the report. */
export interface ServePoolReport {
  workers: number;
  tp: number;
  pp: number;
  ep: number;
  gpus: number;
  maxBatch: number;
  maxBatchedTokens: number;
  /** KV-cache tokens one worker holds. */
  kvCacheTokens: number;
  /** Time its workers spent running steps, over the measured window and the workers. */
  busyFraction: number;
  kvUtilization: { mean: number; max: number };
  steps: number;
  preemptions: number;
}

export interface DisaggregatedServeReport extends ServeReport {
  disaggregated: {
    /** Seconds a request's KV takes on the wire from its prefill worker to its decode worker. */
    kvTransferSeconds: LatencySummary;
    /** Seconds from the end of a request's prefill until its transfer starts (the decode worker's blocks or a sequence slot). */
    kvWaitSeconds: LatencySummary;
    /** Bytes one request's KV is: prompt tokens x KV bytes a token over the whole model. */
    kvTransferBytes: number;
    prefill: ServePoolReport;
    decode: ServePoolReport;
  };
}

type PoolName = 'prefill' | 'decode';

/** A pool's deployment, naming the pool in any error (`prefill.tp`). */
function poolDeployment(x: DisaggregatedServeInput, pool: PoolName): Deployment {
  const p = x[pool];
  if (!(Number.isInteger(p.workers) && p.workers >= 1 && p.workers <= 100_000)) throw new ClusterTwinError('invalid_value', `${pool}.workers`, `expected a whole number from 1 to 100,000, got ${p.workers}`);
  try {
    return servingDeployment({ ...x, tp: p.tp ?? x.tp, pp: p.pp ?? x.pp, ep: p.ep ?? x.ep });
  } catch (err) {
    if (err instanceof ClusterTwinError && ['tp', 'pp', 'ep'].includes(err.path)) throw new ClusterTwinError(err.code, `${pool}.${err.path}`, err.detail);
    throw err;
  }
}

export function serveDisaggregated(x: DisaggregatedServeInput): DisaggregatedServeReport {
  assertFixedLoad(x, 'disaggregated pools');
  const framework = x.framework ?? 'vllm';
  const defaults = frameworkDefaults(framework, x.system.gpu);
  const policy = x.policy ?? defaults.policy;
  const routing = x.routing ?? 'round-robin';
  const maxSeq = x.model.maxSeq;
  if (maxSeq !== undefined && x.isl + x.osl > maxSeq) {
    throw new ClusterTwinError('out_of_range', 'isl', `${x.isl} prompt + ${x.osl} output tokens pass ${x.model.name}'s context of ${maxSeq.toLocaleString('en-US')}`);
  }
  const pools = (['prefill', 'decode'] as const).map((pool) => {
    const d = poolDeployment(x, pool);
    const kv = kvCacheBudget(d);
    const maxBatch = x[pool].maxBatch ?? x.maxBatch ?? defaults.maxBatch;
    const maxBatchedTokens = x[pool].maxBatchedTokens ?? x.maxBatchedTokens ?? defaults.maxBatchedTokens;
    // A prefill worker holds a prompt and its first token; a decode worker the whole request.
    const need = pool === 'prefill' ? x.isl + 1 : x.isl + x.osl;
    if (!kv.fitsInMemory || kv.kvCacheTokens < need) {
      const what = kv.fitsInMemory ? `a request of ${formatCount(need)} tokens needs more KV cache than the ${formatCount(kv.kvCacheTokens)} tokens a ${pool} worker holds` : `the weights, workspace and reserve leave no KV cache on a ${pool} worker`;
      throw new ClusterTwinError('does_not_fit', `${pool}.tp`, `${what}; raise --${pool}-tp or --${pool}-pp, or a narrower --precision or --kv-dtype fp8`);
    }
    if (wholePromptPolicy(policy) && pool === 'prefill' && x.isl > maxBatchedTokens) {
      throw new ClusterTwinError('out_of_range', 'isl', `a ${x.isl}-token prompt is more than the ${maxBatchedTokens} tokens a prefill step takes without chunked prefill; raise --prefill-max-batched-tokens or use --policy chunked-prefill`);
    }
    const timer = servingStepTimer(d);
    const config: ReplicaConfig = { timer, kvBudgetTokens: kv.kvCacheTokens, maxNumSeqs: maxBatch, maxBatchedTokens, policy };
    return { d, kv, maxBatch, maxBatchedTokens, config, workers: x[pool].workers };
  });
  const [pre, dec] = pools;
  const fastest = dec.config.timer.stepSeconds({ prefillTokens: 0, prefillRequests: 0, prefillPriorTokens: 0, decodeRequests: 1, decodeContextTokens: 1 });
  const expectedSteps = checkSimulationSize({ ...x, replicas: dec.workers }, dec.maxBatch, fastest);
  const seed = x.seed ?? 1;
  const workload = resolveLoad(x.load, x).workload(seed);
  const observe = progressObserver(x.onProgress, x.load.kind === 'poisson' ? x.load.durationSeconds : 0, expectedSteps);
  const r = runDisaggregated(
    workload,
    {
      prefill: Array.from({ length: pre.workers }, () => pre.config),
      decode: Array.from({ length: dec.workers }, () => dec.config),
      transferSeconds: kvTransferTimer({ prefill: pre.d, prefillWorkers: pre.workers, decode: dec.d, decodeWorkers: dec.workers }),
      prefillRouting: routing,
      decodeRouting: routing,
      routingSeed: seed,
    },
    { warmupSeconds: x.warmupSeconds ?? 0, ...(observe ? { observe } : {}) },
  );
  const gpus = pre.d.gpus * pre.workers + dec.d.gpus * dec.workers;
  const system = x.system;
  const poolReport = (p: (typeof pools)[number], use: typeof r.pools.prefill): ServePoolReport => ({
    workers: p.workers,
    tp: p.d.tp,
    pp: p.d.pp,
    ep: p.d.ep,
    gpus: p.d.gpus,
    maxBatch: p.maxBatch,
    maxBatchedTokens: p.maxBatchedTokens,
    kvCacheTokens: p.kv.kvCacheTokens,
    busyFraction: use.busyFraction,
    kvUtilization: use.kvUtilization,
    steps: use.steps,
    preemptions: use.preemptions,
  });
  return {
    ...latencyAndThroughput(r, gpus),
    kvCacheTokens: dec.kv.kvCacheTokens,
    fitsInMemory: pre.kv.fitsInMemory && dec.kv.fitsInMemory,
    requests: r.requests,
    preemptions: r.preemptions,
    kvUtilization: r.kvUtilization,
    gpus,
    ...servingCosts(system, gpus, r.outputTokensPerSecond),
    accuracyKey: { gpu: system.gpu.name, framework },
    accuracy: null,
    notModelled: [
      ...NOT_MODELLED,
      "power while serving: each GPU draws the system's training figure (gpuPowerFractionOfTdp of TDP); decode-bound serving draws less",
      'every request has the same prompt and output length (--isl, --osl)',
    ],
    config: {
      system: system.name,
      model: x.model.name,
      tp: dec.d.tp,
      pp: dec.d.pp,
      ep: dec.d.ep,
      attentionDp: dec.d.attentionDp,
      replicas: pre.workers + dec.workers,
      framework,
      fleetMethod: 'exact',
      weightFormat: dec.d.weightFormat,
      kvDtype: dec.d.kvDtype,
      cudaGraphs: dec.d.cudaGraphs,
      policy,
      routing,
      maxBatch: dec.maxBatch,
      maxBatchedTokens: dec.maxBatchedTokens,
      isl: x.isl,
      osl: x.osl,
      prompt: { kind: 'fixed', tokens: x.isl },
      output: { kind: 'fixed', tokens: x.osl },
      load: x.load,
      sharedPrefixTokens: x.sharedPrefixTokens ?? 0,
      prefixCaching: false,
      seed,
    },
    disaggregated: {
      kvTransferSeconds: r.kvTransferSeconds,
      kvWaitSeconds: r.kvWaitSeconds,
      kvTransferBytes: x.isl * kvBytesPerToken(pre.d),
      prefill: poolReport(pre, r.pools.prefill),
      decode: poolReport(dec, r.pools.decode),
    },
  };
}
