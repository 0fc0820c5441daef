/**
 * The flags of a serving deployment under a load, shared by `serve` and `report serve`: the option
 * list, their parsing into a ServeInput (or a disaggregated one), the run with errors named by their
 * flag, and the stated accuracy as `serve` quotes it. One copy, so the two commands cannot drift.
 */
import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { ClusterTwinError } from '../../errors.js';
import { BOUNDS } from '../../config/bounds.js';
import type { ModelSpec } from '../../config/model-schema.js';
import type { SystemSpec } from '../../config/system-schema.js';
import { parseScenarioInput } from '../../config/scenario-input.js';
import { scenarioModel, scenarioSystem } from '../../config/resolve.js';
import { loadPresets } from '../../node/presets.js';
import { serve, type ServeInput, type ServeLoad, type ServeReport } from '../../serving/serve.js';
import { serveDisaggregated, type DisaggregatedServeInput, type DisaggregatedServeReport } from '../../serving/serve-disaggregated.js';
import { parsePools, poolFlagOf } from './serve-pools.js';
import { parseLengthSpec } from '../../serving/length-spec.js';
import type { LoadLengths } from '../../serving/serve-load.js';
import { readTraceFile } from '../../node/trace-file.js';
import { KV_DTYPES, WEIGHT_FORMATS, type KvDtype, type WeightFormat } from '../../serving/weight-format.js';
import type { RoutingPolicy } from '../../serving/router.js';
import { SCHEDULER_POLICIES, type SchedulerPolicy } from '../../serving/scheduler.js';
import { FRAMEWORKS, type Framework } from '../../serving/framework.js';
import { servingAccuracyFor, servingAccuracySentence, type ServingAccuracyEntry } from '../../validation/serving-accuracy.js';
import { SERVING_ACCURACY } from '../../validation/serving-accuracy-table.js';
import { FLEET_METHODS, FLEET_SHORTCUT_MIN_REPLICAS, type FleetMethod } from '../../serving/fleet-method.js';
import { durationFlag, numberFlag } from '../flag-values.js';
import { modelOrFile } from '../model-file.js';

const YEAR_SECONDS = 365 * 86_400;

/** Adds the deployment and load flags (not --json, nor the disaggregated pools': serve-pools.ts). */
export function addServeOptions<C extends Command<any, any, any>>(cmd: C): C {
  cmd
    .option('--system <preset>', 'system preset', 'dgx-h100')
    .option('--model <preset|file>', "model preset, e.g. llama3.1-70b, or a Hugging Face config.json", 'llama3.1-70b')
    .option('--tp <n>', 'tensor-parallel GPUs per replica', '8')
    .option('--pp <n>', 'pipeline stages per replica', '1')
    .option('--ep <n>', 'expert-parallel ranks inside the TP group (mixture-of-experts models)', '1')
    .option('--attention-dp <n>', 'attention data-parallel ranks inside the TP group: attention and its KV cache split by requests, the MLP over all TP ranks (SGLang --enable-dp-attention)', '1')
    .option('--replicas <n>', 'replicas behind the router', '1')
    .addOption(new Option('--precision <format>', 'weights and GEMMs: bf16, fp8, fp4 (NVFP4, Blackwell) or int4 (weight-only, 16-bit GEMMs)').choices([...WEIGHT_FORMATS]).default('bf16'))
    .addOption(new Option('--kv-dtype <t>', 'KV-cache data type').choices([...KV_DTYPES]).default('bf16'))
    .option('--no-cuda-graphs', 'launch every kernel on its own (eager)')
    .addOption(new Option('--framework <f>', "whose scheduler defaults: vLLM V1 (chunked prefill), SGLang (prefill and decode batches apart) or TensorRT-LLM (whole prompts beside decodes)").choices([...FRAMEWORKS]).default('vllm'))
    .option('--max-batch <n>', "most requests running at once on a replica (vLLM max_num_seqs; default: the framework's)")
    .option('--max-batched-tokens <n>', "most tokens one step processes (vLLM max_num_batched_tokens, SGLang chunked_prefill_size, TensorRT-LLM max_num_tokens; default: the framework's)")
    .addOption(new Option('--policy <p>', "scheduler, overriding the framework's: chunked prefill beside decodes (vLLM V1), whole prompts first (vLLM V0), prefill batches apart from decode batches (SGLang), whole prompts beside decodes (TensorRT-LLM)").choices([...SCHEDULER_POLICIES]))
    .addOption(new Option('--routing <r>', 'how the router picks a replica').choices(['round-robin', 'least-outstanding', 'random']).default('round-robin'))
    .addOption(new Option('--fleet-method <m>', `every replica simulated, or one at rate / replicas standing for all (Poisson loads; default: shortcut from ${FLEET_SHORTCUT_MIN_REPLICAS} replicas)`).choices([...FLEET_METHODS]))
    .option('--isl <n|dist>', 'prompt tokens: a number, or a distribution such as uniform:512-2048 (see below)', '1024')
    .option('--osl <n|dist>', 'output tokens: a number, or a distribution such as normal:256,64 (see below)', '1024')
    .option('--concurrency <n>', 'clients in a closed loop, as serving benchmarks run (default 16 when --rate is not given)')
    .option('--rate <r>', 'Poisson arrivals, requests per second (instead of --concurrency)')
    .option('--burstiness <cv>', 'with --rate: gamma-distributed gaps between arrivals, CV = their standard deviation over their mean (1 is Poisson, above 1 bursty)')
    .option('--trace <file>', 'replay requests from a CSV or JSON-lines file: arrival_s,prompt_tokens,output_tokens or the Azure traces\' TIMESTAMP,ContextTokens,GeneratedTokens')
    .option('--requests <n>', 'with --concurrency: requests in all (default 8 per client)')
    .option('--shared-prefix <n>', 'tokens every prompt begins with, as a system prompt (counted in --isl)', '0')
    .option('--prefix-cache', 'automatic prefix caching (vLLM enable_prefix_caching): the shared prefix is read from the KV cache, not prefilled')
    .option('--duration <t>', 'with --rate: how long requests arrive, e.g. 600, 10m, 1h', '10m')
    .option('--warmup <t>', 'leave out requests arriving before this time', '0')
    .option('--seed <n>', 'seed of the arrivals and the router', '1');
  return cmd;
}

/** The help paragraph on --isl and --osl. */
export const LENGTHS_HELP = `Lengths (--isl, --osl): 1024 (every request), uniform:MIN-MAX (whole numbers, each as likely),
normal:MEAN,SD (rounded, clamped to 1..MEAN+4 SD) or normal:MEAN,SD,MIN-MAX, choice:A,B,...
(one of the list). --trace FILE gives each request its arrival and lengths instead
(docs/serving.md: the columns, the Azure LLM inference trace format, the limits).
`;

/** A deployment and load parsed from the flags, ready to run. */
export interface ParsedServe {
  system: SystemSpec;
  model: ModelSpec;
  /** Whether the deployment is disaggregated (--prefill-workers, --decode-workers). */
  disaggregated: boolean;
  input: ServeInput | DisaggregatedServeInput;
}

/** The flags as a ServeInput, each bad value a one-line error naming its flag (in the order `serve` has always checked them). */
export function parseServeOptions(raw: unknown, cmd: Command<any, any, any>): ParsedServe {
  const opts = raw as Record<string, unknown>;
  const catalog = loadPresets();
  // --model path/to/config.json: a Hugging Face config read into an inline model (src/cli/model-file.ts).
  const modelInput = typeof opts.model === 'string' ? modelOrFile(opts.model, catalog, '--model') : opts.model;
  const scenario = parseScenarioInput({ system: opts.system, model: modelInput });
  const system = scenarioSystem(scenario, catalog);
  const model = scenarioModel(scenario, catalog);
  const whole = (flag: string, max: number, unit?: string) => numberFlag(opts[flagKey(flag)], flag, { min: 1, max, integer: true, unit });
  const { load, lengths } = serveLoad(opts, (key) => cmd.getOptionValueSource(key) === 'cli', whole);
  const pools = parsePools(opts);
  const input: ServeInput = {
    system,
    model,
    tp: whole('--tp', 1024),
    pp: whole('--pp', 1024),
    ep: whole('--ep', 1024),
    attentionDp: whole('--attention-dp', 1024),
    replicas: whole('--replicas', 100_000, 'replicas'),
    weightFormat: opts.precision as WeightFormat,
    kvDtype: opts.kvDtype as KvDtype,
    cudaGraphs: opts.cudaGraphs !== false,
    framework: opts.framework as Framework,
    ...(opts.maxBatch !== undefined ? { maxBatch: whole('--max-batch', 65_536, 'requests') } : {}),
    ...(opts.maxBatchedTokens !== undefined ? { maxBatchedTokens: whole('--max-batched-tokens', 1_048_576, 'tokens') } : {}),
    ...(opts.policy !== undefined ? { policy: opts.policy as SchedulerPolicy } : {}),
    routing: opts.routing as RoutingPolicy,
    ...(opts.fleetMethod !== undefined ? { fleetMethod: opts.fleetMethod as FleetMethod } : {}),
    ...lengths,
    load,
    sharedPrefixTokens: numberFlag(opts.sharedPrefix, '--shared-prefix', { min: 0, max: BOUNDS.seq.max, integer: true, unit: 'tokens' }),
    prefixCaching: opts.prefixCache === true,
    seed: numberFlag(opts.seed, '--seed', { min: -1e15, max: 1e15, integer: true }),
    warmupSeconds: durationFlag(opts.warmup, '--warmup', { min: 0, max: YEAR_SECONDS }),
  };
  return { system, model, disaggregated: pools !== undefined, input: pools ? { ...input, ...pools } : input };
}

/** Runs the deployment (aggregated or disaggregated), naming any error's field by its flag. */
export function runServe(p: Pick<ParsedServe, 'input' | 'disaggregated'>, onProgress?: (done: number) => void): ServeReport | DisaggregatedServeReport {
  return namingFlags(() => {
    const x = { ...p.input, ...(onProgress ? { onProgress } : {}) };
    return p.disaggregated ? serveDisaggregated(x as DisaggregatedServeInput) : serve(x);
  });
}

/** How far to trust a serve report, as `serve` states it: the suite's records for its GPU and framework, and the sentence. */
export interface ServeAccuracy {
  ttft: ServingAccuracyEntry | null;
  tpot: ServingAccuracyEntry | null;
  sentence: string;
}

/** The suite's record for this GPU and framework (the engine leaves it to the caller). The suite measures aggregated deployments only: a disaggregated one has no record. */
export function serveAccuracy(report: ServeReport, system: SystemSpec, disaggregated: boolean): ServeAccuracy {
  const record = disaggregated ? { ttft: null, tpot: null } : servingAccuracyFor(SERVING_ACCURACY, report.accuracyKey.gpu, report.accuracyKey.framework);
  const gpuName = system.gpu.description ?? system.gpu.name;
  const sentence = disaggregated ? 'no measured disaggregated serving run is in the validation suite: this prediction is unchecked' : servingAccuracySentence(record, gpuName, report.config.framework);
  return { ...record, sentence };
}

/** The load and the lengths from the flags: a trace, an open stream (--rate, --burstiness) or a closed loop. */
function serveLoad(
  opts: Record<string, unknown>,
  given: (key: string) => boolean,
  whole: (flag: string, max: number, unit?: string) => number,
): { load: ServeLoad; lengths: LoadLengths } {
  if (opts.concurrency !== undefined && opts.rate !== undefined) throw new ClusterTwinError('invalid_value', '--rate', 'is an open load; --concurrency a closed one: give one of them');
  if (opts.burstiness !== undefined && opts.rate === undefined) throw new ClusterTwinError('invalid_value', '--burstiness', 'shapes the gaps of an open load: give --rate too');
  if (opts.prefixCache === true && !given('sharedPrefix')) throw new ClusterTwinError('invalid_value', '--prefix-cache', 'the twin caches one prefix every prompt shares: give its length with --shared-prefix N');
  if (opts.trace !== undefined) {
    for (const [key, flag] of [['rate', '--rate'], ['concurrency', '--concurrency'], ['requests', '--requests'], ['isl', '--isl'], ['osl', '--osl'], ['duration', '--duration']] as const) {
      if (given(key)) throw new ClusterTwinError('invalid_value', flag, `--trace gives each request's arrival and lengths; leave ${flag} out`);
    }
    const file = String(opts.trace);
    return { load: { kind: 'trace', requests: readTraceFile(file), source: file }, lengths: {} };
  }
  // A fixed length goes as isl/osl (what every caller takes), a distribution as prompt/output.
  const prompt = parseLengthSpec(opts.isl, '--isl');
  const output = parseLengthSpec(opts.osl, '--osl');
  const lengths: LoadLengths = { ...(prompt.kind === 'fixed' ? { isl: prompt.tokens } : { prompt }), ...(output.kind === 'fixed' ? { osl: output.tokens } : { output }) };
  if (opts.rate !== undefined) {
    if (opts.requests !== undefined) throw new ClusterTwinError('invalid_value', '--requests', "counts a closed loop's requests; with --rate, --duration says how long they arrive");
    const ratePerSecond = numberFlag(opts.rate, '--rate', { min: 0, max: 1e6, exclusiveMin: true, unit: 'requests per second' });
    const durationSeconds = durationFlag(opts.duration, '--duration', { min: 0, max: YEAR_SECONDS, exclusiveMin: true });
    if (opts.burstiness === undefined) return { load: { kind: 'poisson', ratePerSecond, durationSeconds }, lengths };
    // Above a CV of 10 the gamma's shape is below 0.01 and its draws underflow to 0: every request at once.
    const cv = numberFlag(opts.burstiness, '--burstiness', { min: 0, max: 10, exclusiveMin: true });
    return { load: { kind: 'gamma', ratePerSecond, durationSeconds, cv }, lengths };
  }
  const concurrency = opts.concurrency === undefined ? 16 : whole('--concurrency', 1e6, 'clients');
  return { load: { kind: 'closed', concurrency, requests: opts.requests === undefined ? 8 * concurrency : whole('--requests', 1e7, 'requests') }, lengths };
}

/** The deployment's field names that are not this command's flags in camelCase. */
const FLAG_OF_FIELD: Record<string, string> = { weightFormat: '--precision', kvDtype: '--kv-dtype', fleetMethod: '--fleet-method' };

/** Runs f, renaming an error's field to the flag that sets it. */
function namingFlags<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    const flag = err instanceof ClusterTwinError ? (FLAG_OF_FIELD[err.path] ?? poolFlagOf(err.path)) : undefined;
    if (err instanceof ClusterTwinError && flag) throw new ClusterTwinError(err.code, flag, err.detail);
    throw err;
  }
}

/** `--max-batched-tokens` -> `maxBatchedTokens`, as commander names its options. */
const flagKey = (flag: string): string => flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
