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
import { KV_DTYPES, WEIGHT_FORMATS, type KvDtype, type WeightFormat } from '../../serving/weight-format.js';
import type { RoutingPolicy } from '../../serving/router.js';
import { FLEET_METHODS, FLEET_SHORTCUT_MIN_REPLICAS, type FleetMethod } from '../../serving/fleet-method.js';
import type { SchedulerPolicy } from '../../serving/scheduler.js';
import { formatCount, formatDuration } from '../../units.js';
import { durationFlag, numberFlag } from '../flag-values.js';
import { heading, int, keyValues, table, usd } from '../format.js';

const YEAR_SECONDS = 365 * 86_400;

export function serveCommand(): Command<any, any> {
  return new Command('serve')
    .description('serve a model: one deployment under one load (TTFT, TPOT, throughput, cost per million tokens)')
    .option('--system <preset>', 'system preset', 'dgx-h100')
    .option('--model <preset>', 'model preset, e.g. llama3.1-70b', 'llama3.1-70b')
    .option('--tp <n>', 'tensor-parallel GPUs per replica', '8')
    .option('--pp <n>', 'pipeline stages per replica', '1')
    .option('--ep <n>', 'expert-parallel ranks inside the TP group (mixture-of-experts models)', '1')
    .option('--replicas <n>', 'replicas behind the router', '1')
    .addOption(new Option('--precision <format>', 'weights and GEMMs: bf16, fp8, fp4 (NVFP4, Blackwell) or int4 (weight-only, 16-bit GEMMs)').choices([...WEIGHT_FORMATS]).default('bf16'))
    .addOption(new Option('--kv-dtype <t>', 'KV-cache data type').choices([...KV_DTYPES]).default('bf16'))
    .option('--no-cuda-graphs', 'launch every kernel on its own (eager)')
    .option('--max-batch <n>', 'most requests running at once on a replica (vLLM max_num_seqs)', '256')
    .option('--max-batched-tokens <n>', 'most tokens one step processes (vLLM max_num_batched_tokens)', '8192')
    .addOption(new Option('--policy <p>', 'scheduler: chunked prefill beside decodes (vLLM V1) or whole prompts first (vLLM V0)').choices(['chunked-prefill', 'prefill-first']).default('chunked-prefill'))
    .addOption(new Option('--routing <r>', 'how the router picks a replica').choices(['round-robin', 'least-outstanding', 'random']).default('round-robin'))
    .addOption(new Option('--fleet-method <m>', `every replica simulated, or one at rate / replicas standing for all (Poisson loads; default: shortcut from ${FLEET_SHORTCUT_MIN_REPLICAS} replicas)`).choices([...FLEET_METHODS]))
    .option('--isl <n>', 'prompt tokens of every request', '1024')
    .option('--osl <n>', 'output tokens of every request', '1024')
    .option('--concurrency <n>', 'clients in a closed loop, as serving benchmarks run (default 16 when --rate is not given)')
    .option('--rate <r>', 'Poisson arrivals, requests per second (instead of --concurrency)')
    .option('--requests <n>', 'with --concurrency: requests in all (default 8 per client)')
    .option('--duration <t>', 'with --rate: how long requests arrive, e.g. 600, 10m, 1h', '10m')
    .option('--warmup <t>', 'leave out requests arriving before this time', '0')
    .option('--seed <n>', 'seed of the arrivals and the router', '1')
    .option('--json', 'print one JSON object instead of tables')
    .addHelpText(
      'after',
      `
The step model times one forward pass of a replica (GEMMs, attention over the KV cache, TP
all-reduces on the network model, kernel launches, the scheduler's host time); the simulation runs
continuous batching over it request by request. The validation suite's measured serving runs are
reported, not yet held to a bound (clustertwin validate --group serving): every figure is
unchecked, and the output says so.

Examples:
  clustertwin serve --system dgx-h100 --model llama3.1-70b --tp 8 --concurrency 64 --isl 2048 --osl 256
  clustertwin serve --model llama3.1-8b --tp 1 --replicas 8 --rate 40 --duration 10m --json
  clustertwin serve --model llama3.1-8b --tp 1 --replicas 64 --rate 1800 --duration 1d --isl 512 --osl 256
  clustertwin serve --system dgx-b200 --model llama3.1-70b --tp 4 --precision fp4 --concurrency 128`,
    )
    .action((raw) => {
      const opts = raw as Record<string, unknown>;
      const catalog = loadPresets();
      const input = parseScenarioInput({ system: opts.system, model: opts.model });
      const system = scenarioSystem(input, catalog);
      const model = scenarioModel(input, catalog);
      const whole = (flag: string, max: number, unit?: string) => numberFlag(opts[flagKey(flag)], flag, { min: 1, max, integer: true, unit });
      const isl = whole('--isl', BOUNDS.seq.max, 'tokens');
      const osl = whole('--osl', BOUNDS.seq.max, 'tokens');
      if (opts.concurrency !== undefined && opts.rate !== undefined) throw new ClusterTwinError('invalid_value', '--rate', 'is an open load; --concurrency a closed one: give one of them');
      let load: ServeLoad;
      if (opts.rate !== undefined) {
        if (opts.requests !== undefined) throw new ClusterTwinError('invalid_value', '--requests', 'counts a closed loop\'s requests; with --rate, --duration says how long they arrive');
        load = {
          kind: 'poisson',
          ratePerSecond: numberFlag(opts.rate, '--rate', { min: 0, max: 1e6, exclusiveMin: true, unit: 'requests per second' }),
          durationSeconds: durationFlag(opts.duration, '--duration', { min: 0, max: YEAR_SECONDS, exclusiveMin: true }),
        };
      } else {
        const concurrency = opts.concurrency === undefined ? 16 : whole('--concurrency', 1e6, 'clients');
        load = { kind: 'closed', concurrency, requests: opts.requests === undefined ? 8 * concurrency : whole('--requests', 1e7, 'requests') };
      }
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
      let report;
      try {
        report = namingFlags(() => serve({
        system,
        model,
        tp: whole('--tp', 1024),
        pp: whole('--pp', 1024),
        ep: whole('--ep', 1024),
        replicas: whole('--replicas', 100_000, 'replicas'),
        weightFormat: opts.precision as WeightFormat,
        kvDtype: opts.kvDtype as KvDtype,
        cudaGraphs: opts.cudaGraphs !== false,
        maxBatch: whole('--max-batch', 65_536, 'requests'),
        maxBatchedTokens: whole('--max-batched-tokens', 1_048_576, 'tokens'),
        policy: opts.policy as SchedulerPolicy,
        routing: opts.routing as RoutingPolicy,
        ...(opts.fleetMethod !== undefined ? { fleetMethod: opts.fleetMethod as FleetMethod } : {}),
        isl,
        osl,
        load,
        seed: numberFlag(opts.seed, '--seed', { min: -1e15, max: 1e15, integer: true }),
        warmupSeconds: durationFlag(opts.warmup, '--warmup', { min: 0, max: YEAR_SECONDS }),
        ...(onProgress ? { onProgress } : {}),
      }));
      } finally {
        if (started) bar?.stop();
      }
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderServe(report, system.gpu.description ?? system.gpu.name, model.description ?? model.name)}\n`);
    });
}

/** The deployment's field names that are not this command's flags in camelCase. */
const FLAG_OF_FIELD: Record<string, string> = { weightFormat: '--precision', kvDtype: '--kv-dtype', fleetMethod: '--fleet-method' };

/** Runs f, renaming an error's field to the flag that sets it. */
function namingFlags<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ClusterTwinError && FLAG_OF_FIELD[err.path]) throw new ClusterTwinError(err.code, FLAG_OF_FIELD[err.path], err.detail);
    throw err;
  }
}

/** `--max-batched-tokens` -> `maxBatchedTokens`, as commander names its options. */
const flagKey = (flag: string): string => flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const ms = (s: number): string => (Number.isFinite(s) ? formatDuration(s) : '-');
const count = (x: number): string => (x >= 1e4 ? formatCount(x) : x >= 100 ? int(x) : x.toFixed(1));

/** The human-readable serving report. */
export function renderServe(r: ServeReport, gpuName: string, modelName: string): string {
  const c = r.config;
  const out: string[] = [];
  out.push(`${heading(modelName)} served on ${int(c.replicas)} x ${c.tp * c.pp} ${gpuName} (${c.system}), ${int(r.gpus)} GPUs`);
  const load = c.load.kind === 'closed' ? `closed loop of ${int(c.load.concurrency)} clients, ${int(c.load.requests)} requests` : `Poisson, ${c.load.ratePerSecond} requests/s for ${(c.load.durationSeconds / 60).toFixed(1)} min`;
  out.push(
    keyValues([
      ['replica', `TP ${c.tp} · PP ${c.pp} · EP ${c.ep} · ${c.weightFormat} weights · ${c.kvDtype} KV · CUDA graphs ${c.cudaGraphs ? 'on' : 'off'} · ${c.policy} · batch ≤ ${int(c.maxBatch)}, ≤ ${int(c.maxBatchedTokens)} tokens a step`],
      ['load', `${load}; ${int(c.isl)} prompt + ${int(c.osl)} output tokens each${c.replicas > 1 ? `; ${c.routing} routing` : ''}${c.fleetMethod === 'shortcut' ? ` (simulated as one replica at 1/${int(c.replicas)} of the rate: --fleet-method shortcut)` : ''}`],
      ['KV cache', `${formatCount(r.kvCacheTokens)} tokens a replica (mean ${(r.kvUtilization.mean * 100).toFixed(0)}% used, peak ${(r.kvUtilization.max * 100).toFixed(0)}%)`],
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
  out.push(`${pc.bold('Accuracy')}: unchecked: the validation suite's measured serving runs (H100) are reported, not yet held to a bound; see clustertwin validate --group serving.`);
  out.push(pc.dim(`Not modelled: ${r.notModelled.length} effects, listed in --json's notModelled.`));
  return out.join('\n');
}
