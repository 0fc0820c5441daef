/**
 * `clustertwin serve`: one serving deployment under one load: latency percentiles, throughput,
 * cost per million tokens and per day. Thin: parse, call src/serving/serve.ts, print.
 */
import { Command, Option } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { pc } from '../color.js';
import { ClusterTwinError } from '../../errors.js';
import { BOUNDS } from '../../config/bounds.js';
import { parseScenarioInput } from '../../config/scenario-input.js';
import { scenarioModel, scenarioSystem } from '../../config/resolve.js';
import { loadPresets } from '../../node/presets.js';
import { serve, type ServeLoad, type ServeReport } from '../../serving/serve.js';
import { serveDisaggregated, type DisaggregatedServeReport } from '../../serving/serve-disaggregated.js';
import { POOL_EXAMPLE, POOL_HELP, addPoolOptions, parsePools, poolFlagOf, poolRows } from './serve-pools.js';
import { describeLength, parseLengthSpec } from '../../serving/length-spec.js';
import type { LengthReport, LoadLengths } from '../../serving/serve-load.js';
import { readTraceFile } from '../../node/trace-file.js';
import { KV_DTYPES, WEIGHT_FORMATS, type KvDtype, type WeightFormat } from '../../serving/weight-format.js';
import type { RoutingPolicy } from '../../serving/router.js';
import { SCHEDULER_POLICIES, type SchedulerPolicy } from '../../serving/scheduler.js';
import { FRAMEWORKS, type Framework } from '../../serving/framework.js';
import { servingAccuracyFor, servingAccuracySentence } from '../../validation/serving-accuracy.js';
import { SERVING_ACCURACY } from '../../validation/serving-accuracy-table.js';
import { FLEET_METHODS, FLEET_SHORTCUT_MIN_REPLICAS, type FleetMethod } from '../../serving/fleet-method.js';
import { formatCount, formatDuration } from '../../units.js';
import { durationFlag, numberFlag } from '../flag-values.js';
import { heading, int, keyValues, table, usd } from '../format.js';

const YEAR_SECONDS = 365 * 86_400;

export function serveCommand(): Command<any, any> {
  return addPoolOptions(new Command('serve')
    .description('serve a model: one deployment under one load (TTFT, TPOT, throughput, cost per million tokens)')
    .option('--system <preset>', 'system preset', 'dgx-h100')
    .option('--model <preset>', 'model preset, e.g. llama3.1-70b', 'llama3.1-70b')
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
    .option('--seed <n>', 'seed of the arrivals and the router', '1')
    .option('--json', 'print one JSON object instead of tables'))
    .addHelpText(
      'after',
      `
Lengths (--isl, --osl): 1024 (every request), uniform:MIN-MAX (whole numbers, each as likely),
normal:MEAN,SD (rounded, clamped to 1..MEAN+4 SD) or normal:MEAN,SD,MIN-MAX, choice:A,B,...
(one of the list). --trace FILE gives each request its arrival and lengths instead
(docs/serving.md: the columns, the Azure LLM inference trace format, the limits).

The step model times one forward pass of a replica (GEMMs, attention over the KV cache, TP
all-reduces on the network model, kernel launches, the scheduler's host time); the simulation runs
continuous batching over it request by request, with the chosen framework's scheduler (--framework).
The validation suite's measured serving runs (H100: vLLM, SGLang, TensorRT-LLM) are reported, not
yet held to a bound: the output quotes the record for its GPU and framework
(clustertwin validate --group serving lists every run).
${POOL_HELP}

Examples:
  clustertwin serve --system dgx-h100 --model llama3.1-70b --tp 8 --concurrency 64 --isl 2048 --osl 256
  clustertwin serve --model llama3.1-8b --tp 1 --replicas 8 --rate 40 --duration 10m --json
  clustertwin serve --model qwen3-32b --tp 2 --framework sglang --concurrency 64 --isl 1024 --osl 512
  clustertwin serve --model llama3.1-8b --tp 1 --replicas 64 --rate 1800 --duration 1d --isl 512 --osl 256
  clustertwin serve --system dgx-b200 --model llama3.1-70b --tp 4 --precision fp4 --concurrency 128
  clustertwin serve --system dgx-b200 --model deepseek-r1 --tp 8 --ep 8 --attention-dp 8 --precision fp8 --concurrency 256
  clustertwin serve --model llama3.1-8b --tp 1 --rate 20 --burstiness 3 --isl uniform:256-4096 --osl normal:256,64
  clustertwin serve --model llama3.1-8b --tp 2 --replicas 4 --trace AzureLLMInferenceTrace_code.csv --json
${POOL_EXAMPLE}`,
    )
    .action((raw, cmd) => {
      const opts = raw as Record<string, unknown>;
      const catalog = loadPresets();
      const input = parseScenarioInput({ system: opts.system, model: opts.model });
      const system = scenarioSystem(input, catalog);
      const model = scenarioModel(input, catalog);
      const whole = (flag: string, max: number, unit?: string) => numberFlag(opts[flagKey(flag)], flag, { min: 1, max, integer: true, unit });
      const { load, lengths } = serveLoad(opts, (key) => cmd.getOptionValueSource(key) === 'cli', whole);
      // A bar on stderr while the simulation runs, when a person is watching (never with --json or a pipe).
      const bar = !opts.json && process.stdout.isTTY && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'serving |{bar}| {percentage}% | {duration_formatted}', stream: process.stderr, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
      let started = false;
      const onProgress = bar
        ? (done: number) => {
            if (!started) bar.start(100, 0);
            started = true;
            bar.update(Math.round(done * 100));
          }
        : undefined;
      const pools = parsePools(opts);
      let report: ServeReport | DisaggregatedServeReport;
      try {
        report = namingFlags(() => {
          const x = {
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
            ...(onProgress ? { onProgress } : {}),
          };
          return pools ? serveDisaggregated({ ...x, ...pools }) : serve(x);
        });
      } finally {
        if (started) bar?.stop();
      }
      // The suite's record for this GPU and framework (the engine leaves it to the caller).
      // The suite measures aggregated deployments only: a disaggregated one has no record.
      const record = pools ? { ttft: null, tpot: null } : servingAccuracyFor(SERVING_ACCURACY, report.accuracyKey.gpu, report.accuracyKey.framework);
      const gpuName = system.gpu.description ?? system.gpu.name;
      const sentence = pools ? 'no measured disaggregated serving run is in the validation suite: this prediction is unchecked' : servingAccuracySentence(record, gpuName, report.config.framework);
      const out = { ...report, accuracy: { ...record, sentence } };
      process.stdout.write(opts.json ? `${JSON.stringify(out, null, 2)}\n` : `${renderServe(report, gpuName, model.description ?? model.name, sentence)}\n`);
    });
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

const ms = (s: number): string => (Number.isFinite(s) ? formatDuration(s) : '-');
const count = (x: number): string => (x >= 1e4 ? formatCount(x) : x >= 100 ? int(x) : x.toFixed(1));

const lengthWords = (l: LengthReport): string => (l.kind === 'trace' ? `${int(l.minTokens)}-${int(l.maxTokens)} (mean ${int(l.meanTokens)})` : describeLength(l));

/** The human-readable serving report. */
export function renderServe(r: ServeReport | DisaggregatedServeReport, gpuName: string, modelName: string, accuracy: string): string {
  const c = r.config;
  const out: string[] = [];
  const pools = 'disaggregated' in r;
  out.push(`${heading(modelName)} served on ${pools ? 'disaggregated prefill and decode pools of' : `${int(c.replicas)} x ${c.tp * c.pp}`} ${gpuName} (${c.system}), ${int(r.gpus)} GPUs`);
  const load =
    c.load.kind === 'closed'
      ? `closed loop of ${int(c.load.concurrency)} clients, ${int(c.load.requests)} requests`
      : c.load.kind === 'trace'
        ? `trace ${c.load.source}, ${int(c.load.requests)} requests arriving over ${formatDuration(c.load.lastArrivalSeconds)}`
        : `${c.load.kind === 'gamma' ? `gamma bursts (CV ${c.load.cv})` : 'Poisson'}, ${c.load.ratePerSecond} requests/s for ${(c.load.durationSeconds / 60).toFixed(1)} min`;
  const lengths = c.prompt.kind === 'fixed' && c.output.kind === 'fixed' ? `${int(c.isl)} prompt + ${int(c.osl)} output tokens each` : `prompts ${lengthWords(c.prompt)}, outputs ${lengthWords(c.output)} tokens`;
  out.push(
    keyValues([
      ...(pools ? poolRows(r) : []),
      [pools ? 'each worker' : 'replica', `${pools ? '' : `TP ${c.tp} · PP ${c.pp} · EP ${c.ep}${c.attentionDp > 1 ? ` · attention DP ${c.attentionDp}` : ''} · `}${c.weightFormat} weights · ${c.kvDtype} KV · CUDA graphs ${c.cudaGraphs ? 'on' : 'off'} · ${c.framework} (${c.policy})${pools ? '' : ` · batch ≤ ${int(c.maxBatch)}, ≤ ${int(c.maxBatchedTokens)} tokens a step`}${c.prefixCaching ? ' · prefix caching' : ''}`],
      ['load', `${load}; ${lengths}${c.sharedPrefixTokens > 0 ? `, the first ${int(c.sharedPrefixTokens)} shared` : ''}${c.replicas > 1 ? `; ${c.routing} routing` : ''}${c.fleetMethod === 'shortcut' ? ` (simulated as one replica at 1/${int(c.replicas)} of the rate: --fleet-method shortcut)` : ''}`],
      ['KV cache', `${formatCount(r.kvCacheTokens)} tokens a ${pools ? 'decode worker' : 'replica'} (mean ${(r.kvUtilization.mean * 100).toFixed(0)}% used, peak ${(r.kvUtilization.max * 100).toFixed(0)}%)`],
    ]),
  );
  out.push('');
  out.push(heading('Latency'));
  out.push(
    table(
      ['latency', 'mean', 'p50', 'p90', 'p99'],
      [
        ['time to first token', ms(r.ttftSeconds.mean), ms(r.ttftSeconds.p50), ms(r.ttftSeconds.p90), ms(r.ttftSeconds.p99)],
        ['time per output token', ms(r.tpotSeconds.mean), ms(r.tpotSeconds.p50), ms(r.tpotSeconds.p90), ms(r.tpotSeconds.p99)],
        ['end to end', ms(r.e2eSeconds.mean), ms(r.e2eSeconds.p50), ms(r.e2eSeconds.p90), ms(r.e2eSeconds.p99)],
      ],
      [1, 2, 3, 4],
    ),
  );
  out.push('');
  out.push(
    keyValues([
      ['throughput', `${count(r.outputTokensPerSecond)} output tokens/s (${count(r.outputTokensPerSecondPerGpu)} a GPU), ${r.requestsPerSecond.toFixed(2)} requests/s`],
      ['requests', `${int(r.requests.finished)} finished, ${int(r.requests.running + r.requests.waiting)} still in flight, ${int(r.requests.rejected)} rejected, ${int(r.preemptions)} preemptions`],
      ['cost', `${usd(r.costUsdPerMillionTokens)} per million output tokens · ${usd(r.costUsdPerDay)} a day for ${int(r.gpus)} GPUs`],
      ['energy', `${r.energyKWhPerMillionTokens.toFixed(2)} kWh per million output tokens (facility, PUE included)`],
    ]),
  );
  out.push('');
  out.push(`${pc.bold('Accuracy')}: ${accuracy}.`);
  out.push(pc.dim(`Not modelled: ${r.notModelled.length} effects, listed in --json's notModelled.`));
  return out.join('\n');
}
