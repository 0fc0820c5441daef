/**
 * `clustertwin serve`: one serving deployment under one load: latency percentiles, throughput,
 * cost per million tokens and per day. Thin: parse, call src/serving/serve.ts, print.
 */
import { Command } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { pc } from '../color.js';
import type { ServeReport } from '../../serving/serve.js';
import type { DisaggregatedServeReport } from '../../serving/serve-disaggregated.js';
import { POOL_EXAMPLE, POOL_HELP, addPoolOptions, poolRows } from './serve-pools.js';
import { LENGTHS_HELP, addServeOptions, parseServeOptions, runServe, serveAccuracy } from './serve-options.js';
import { describeLength } from '../../serving/length-spec.js';
import type { LengthReport } from '../../serving/serve-load.js';
import { formatCount, formatDuration } from '../../units.js';
import { heading, int, keyValues, table, usd } from '../format.js';

export function serveCommand(): Command<any, any> {
  return addPoolOptions(addServeOptions(new Command('serve')
    .description('serve a model: one deployment under one load (TTFT, TPOT, throughput, cost per million tokens)'))
    .option('--json', 'print one JSON object instead of tables'))
    .addHelpText(
      'after',
      `
${LENGTHS_HELP}
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
      const parsed = parseServeOptions(raw, cmd);
      const { system, model } = parsed;
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
      let report: ServeReport | DisaggregatedServeReport;
      try {
        report = runServe(parsed, onProgress);
      } finally {
        if (started) bar?.stop();
      }
      const accuracy = serveAccuracy(report, system, parsed.disaggregated);
      const gpuName = system.gpu.description ?? system.gpu.name;
      const out = { ...report, accuracy };
      process.stdout.write(opts.json ? `${JSON.stringify(out, null, 2)}\n` : `${renderServe(report, gpuName, model.description ?? model.name, accuracy.sentence)}\n`);
    });
}

const ms = (s: number): string => (Number.isFinite(s) ? formatDuration(s) : '-');
const count = (x: number): string => (x >= 1e4 ? formatCount(x) : x >= 100 ? int(x) : x.toFixed(1));

const lengthWords = (l: LengthReport): string => (l.kind === 'trace' ? `${int(l.minTokens)}-${int(l.maxTokens)} (mean ${int(l.meanTokens)})` : describeLength(l));

/** The load and the request lengths in words, as the report states them. */
export function serveLoadWords(c: ServeReport['config']): string {
  const load =
    c.load.kind === 'closed'
      ? `closed loop of ${int(c.load.concurrency)} clients, ${int(c.load.requests)} requests`
      : c.load.kind === 'trace'
        ? `trace ${c.load.source}, ${int(c.load.requests)} requests arriving over ${formatDuration(c.load.lastArrivalSeconds)}`
        : `${c.load.kind === 'gamma' ? `gamma bursts (CV ${c.load.cv})` : 'Poisson'}, ${c.load.ratePerSecond} requests/s for ${(c.load.durationSeconds / 60).toFixed(1)} min`;
  const lengths = c.prompt.kind === 'fixed' && c.output.kind === 'fixed' ? `${int(c.isl)} prompt + ${int(c.osl)} output tokens each` : `prompts ${lengthWords(c.prompt)}, outputs ${lengthWords(c.output)} tokens`;
  return `${load}; ${lengths}${c.sharedPrefixTokens > 0 ? `, the first ${int(c.sharedPrefixTokens)} shared` : ''}${c.replicas > 1 ? `; ${c.routing} routing` : ''}${c.fleetMethod === 'shortcut' ? ` (simulated as one replica at 1/${int(c.replicas)} of the rate: --fleet-method shortcut)` : ''}`;
}

/** The human-readable serving report. */
export function renderServe(r: ServeReport | DisaggregatedServeReport, gpuName: string, modelName: string, accuracy: string): string {
  const c = r.config;
  const out: string[] = [];
  const pools = 'disaggregated' in r;
  out.push(`${heading(modelName)} served on ${pools ? 'disaggregated prefill and decode pools of' : `${int(c.replicas)} x ${c.tp * c.pp}`} ${gpuName} (${c.system}), ${int(r.gpus)} GPUs`);
  out.push(
    keyValues([
      ...(pools ? poolRows(r) : []),
      [pools ? 'each worker' : 'replica', `${pools ? '' : `TP ${c.tp} · PP ${c.pp} · EP ${c.ep}${c.attentionDp > 1 ? ` · attention DP ${c.attentionDp}` : ''} · `}${c.weightFormat} weights · ${c.kvDtype} KV · CUDA graphs ${c.cudaGraphs ? 'on' : 'off'} · ${c.framework} (${c.policy})${pools ? '' : ` · batch ≤ ${int(c.maxBatch)}, ≤ ${int(c.maxBatchedTokens)} tokens a step`}${c.prefixCaching ? ' · prefix caching' : ''}`],
      ['load', serveLoadWords(c)],
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
