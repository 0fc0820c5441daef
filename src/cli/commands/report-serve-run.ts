/**
 * What `clustertwin report serve` does once its flags are parsed (report-serve.ts defines them): run
 * the deployment at the user's load and around it, draw the charts, write the file or files. Loaded
 * only when a serving report is written.
 */
import type { Command } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { ClusterTwinError } from '../../errors.js';
import { nodeDocument } from '../../node/dom.js';
import { checkOutputFile, writeOutputFile } from '../../node/output-file.js';
import { checkOutputDir, writeChartFiles, type ChartFileFormat } from '../../node/chart-files.js';
import { reportHtml, type ReportSection } from '../../report/html-report.js';
import type { Chart } from '../../report/chart.js';
import { servingLoadCurve, type ServingLoadCurve } from '../../report/serving-load-curve.js';
import { servingLatencyLoadChart, loadPointsWords } from '../../report/charts/serving-latency-load.js';
import { servingCostChart } from '../../report/charts/serving-cost.js';
import { servingTtftHistogramChart, ttftSamples } from '../../report/charts/serving-ttft-histogram.js';
import type { ServeReport } from '../../serving/serve.js';
import type { DisaggregatedServeReport } from '../../serving/serve-disaggregated.js';
import type { LatencySummary } from '../../serving/latency-stats.js';
import { formatCount, formatDuration } from '../../units.js';
import { int, usd } from '../format.js';
import { givenFlags, shellWord } from '../command-line.js';
import { poolRows } from './serve-pools.js';
import { parseServeOptions, runServe, serveAccuracy } from './serve-options.js';
import { serveLoadWords } from './serve.js';
import { BAR_AFTER_MS, FORMATS, REPORT_FLAGS } from './report-serve.js';

/** Writes the serving report the parsed flags ask for. */
export function runReportServe(opts: Record<string, unknown>, cmd: Command<any, any>): void {
  const format = opts.format as (typeof FORMATS)[number];
  const given = (key: string): boolean => cmd.getOptionValueSource(key) === 'cli';
  // Where it writes, checked before any work.
  if (format === 'html') {
    if (opts.outDir !== undefined) throw new ClusterTwinError('invalid_value', '--out-dir', 'holds SVG or PNG charts: give --format svg or --format png, or leave --out-dir out for one HTML file (--out)');
    checkOutputFile(String(opts.out));
  } else {
    if (given('out')) throw new ClusterTwinError('invalid_value', '--out', `names the HTML file; with --format ${format} give the folder with --out-dir`);
    if (opts.outDir === undefined) throw new ClusterTwinError('invalid_value', '--out-dir', `--format ${format} writes one file a chart: give the folder to write them into`);
    checkOutputDir(String(opts.outDir));
  }
  const parsed = parseServeOptions(opts, cmd);
  const progress = progressBar(!opts.json && process.stdout.isTTY === true && process.stderr.isTTY === true);
  let records: Float64Array | undefined;
  let report: ServeReport | DisaggregatedServeReport;
  let curve: ServingLoadCurve;
  try {
    // The user's run (half the bar), then the loads around it (the other half).
    report = runServe({ ...parsed, input: { ...parsed.input, onRecords: (r, from) => (records = ttftSamples(r, from)) } }, (d) => progress.update(d / 2));
    curve = servingLoadCurve(parsed.input, report, { onProgress: (d) => progress.update(0.5 + d / 2) });
  } finally {
    progress.stop();
  }
  const accuracy = serveAccuracy(report, parsed.system, parsed.disaggregated);
  const charts: Chart[] = [servingLatencyLoadChart(curve), servingCostChart(curve)];
  // The disaggregated run keeps no per-request records for the caller: no histogram there.
  const histogram = records ? servingTtftHistogramChart(records, report.ttftSeconds, report.config.fleetMethod === 'shortcut' ? `Simulated as one replica at 1/${int(report.config.replicas)} of the rate (--fleet-method shortcut): its requests stand for the fleet's.` : '') : undefined;
  if (histogram) charts.push(histogram);

  let written: string[];
  if (format === 'html') {
    const out = String(opts.out);
    const gpuName = parsed.system.gpu.description ?? parsed.system.gpu.name;
    const modelName = parsed.model.description ?? parsed.model.name;
    const flags = givenFlags(cmd, REPORT_FLAGS);
    const sections: ReportSection[] = [
      { title: 'Deployment and load', rows: deploymentRows(report), charts: [] },
      { title: 'Latency and cost against load', text: loadPointsWords(curve), charts: [charts[0], charts[1]] },
      ...(histogram ? [{ title: 'Requests at your load', charts: [histogram] }] : []),
    ];
    const html = reportHtml(
      {
        title: `${modelName} served on ${int(report.gpus)} ${gpuName}`,
        subtitle: `${'disaggregated' in report ? 'disaggregated prefill and decode pools' : `${int(report.config.replicas)} x TP ${report.config.tp} · PP ${report.config.pp}`} on ${report.config.system}, ${report.config.framework} (${report.config.policy}); ${serveLoadWords(report.config)}`,
        accuracy: `Accuracy: ${accuracy.sentence}.`,
        rerun: 'Rerun it with the same flags (serve prints the figures, report serve this report):',
        scenarioYaml: [['clustertwin serve', flags], ['clustertwin report serve', flags, `--out ${shellWord(out)}`]].map((w) => w.filter(Boolean).join(' ')).join('\n'),
        headline: headlineRows(report),
        sections,
        notModelled: report.notModelled,
        generatedBy: `clustertwin 0.1.0, ${new Date().toISOString().slice(0, 10)}`,
      },
      nodeDocument(),
    );
    writeOutputFile(out, html);
    written = [out];
  } else {
    written = writeChartFiles(String(opts.outDir), charts, format as ChartFileFormat);
  }
  if (opts.json) {
    const headline = {
      ttftSeconds: report.ttftSeconds,
      tpotSeconds: report.tpotSeconds,
      e2eSeconds: report.e2eSeconds,
      outputTokensPerSecond: report.outputTokensPerSecond,
      outputTokensPerSecondPerGpu: report.outputTokensPerSecondPerGpu,
      requestsPerSecond: report.requestsPerSecond,
      costUsdPerMillionTokens: report.costUsdPerMillionTokens,
      costUsdPerDay: report.costUsdPerDay,
      gpus: report.gpus,
    };
    const loadCurve = { axis: curve.axis, points: curve.points.length, requestsPerPoint: curve.requestsPerPoint, capacityRequestsPerSecond: curve.capacityRequestsPerSecond ?? null };
    process.stdout.write(`${JSON.stringify({ written, format, charts: charts.map((c) => c.id), headline, accuracy, loadCurve }, null, 2)}\n`);
  } else {
    process.stdout.write(`wrote ${written.join(', ')} (${charts.length} charts; TTFT p50 ${ms(report.ttftSeconds.p50)}, ${usd(report.costUsdPerMillionTokens)} per million output tokens)\n`);
  }
}

const ms = (s: number): string => (Number.isFinite(s) ? formatDuration(s) : '-');
const percentiles = (l: LatencySummary): string => `${ms(l.p50)} · ${ms(l.p90)} · ${ms(l.p99)}`;

/** The headline figures, as serve prints them. */
function headlineRows(r: ServeReport): Array<[string, string]> {
  return [
    ['time to first token p50 · p90 · p99', percentiles(r.ttftSeconds)],
    ['time per output token p50 · p90 · p99', percentiles(r.tpotSeconds)],
    ['end to end p50 · p90 · p99', percentiles(r.e2eSeconds)],
    ['throughput', `${formatCount(r.outputTokensPerSecond)} output tokens/s (${formatCount(r.outputTokensPerSecondPerGpu)} a GPU), ${r.requestsPerSecond.toFixed(2)} requests/s`],
    ['cost', `${usd(r.costUsdPerMillionTokens)} per million output tokens · ${usd(r.costUsdPerDay)} a day for ${int(r.gpus)} GPUs`],
  ];
}

/** The deployment's rows: replica (or pools), load, KV cache, requests. */
function deploymentRows(r: ServeReport | DisaggregatedServeReport): Array<[string, string]> {
  const c = r.config;
  const pools = 'disaggregated' in r;
  return [
    ...(pools ? poolRows(r) : []),
    [
      pools ? 'each worker' : 'replica',
      `${pools ? '' : `TP ${c.tp} · PP ${c.pp} · EP ${c.ep}${c.attentionDp > 1 ? ` · attention DP ${c.attentionDp}` : ''} · `}${c.weightFormat} weights · ${c.kvDtype} KV · CUDA graphs ${c.cudaGraphs ? 'on' : 'off'} · ${c.framework} (${c.policy})${pools ? '' : ` · batch ≤ ${int(c.maxBatch)}, ≤ ${int(c.maxBatchedTokens)} tokens a step`}${c.prefixCaching ? ' · prefix caching' : ''}`,
    ],
    ['load', serveLoadWords(c)],
    ['KV cache', `${formatCount(r.kvCacheTokens)} tokens a ${pools ? 'decode worker' : 'replica'} (mean ${(r.kvUtilization.mean * 100).toFixed(0)}% used, peak ${(r.kvUtilization.max * 100).toFixed(0)}%)`],
    ['requests', `${int(r.requests.finished)} finished, ${int(r.requests.running + r.requests.waiting)} still in flight, ${int(r.requests.rejected)} rejected, ${int(r.preemptions)} preemptions`],
  ];
}

/** A bar on stderr that appears only once the work has run a second, and only when a person is watching. */
function progressBar(enabled: boolean): { update(done: number): void; stop(): void } {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const t0 = Date.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done) {
      if (!bar && Date.now() - t0 < BAR_AFTER_MS) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({ format: 'serve report |{bar}| {percentage}% | {duration_formatted}', stream: process.stderr, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(100, 0);
      }
      bar.update(Math.round(done * 100));
    },
    stop() {
      bar?.stop();
    },
  };
}
