/**
 * What `clustertwin report` does once its flags are parsed (report.ts defines them): compute the
 * scenario's parts, draw the charts, write the file or files. Loaded only when a report is written.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { evaluateScenario, resolveScenario, type SimulationResult } from '../../engine.js';
import type { PresetCatalog } from '../../config/catalog.js';
import type { Scenario } from '../../config/resolve.js';
import type { ScenarioInputParsed } from '../../config/scenario-input.js';
import { BOUNDS, MAX_TRIALS } from '../../config/bounds.js';
import { invalid } from '../../errors.js';
import { loadPresets } from '../../node/presets.js';
import { nodeDocument } from '../../node/dom.js';
import { checkOutputFile, writeOutputFile } from '../../node/output-file.js';
import { planOnThreads } from '../../node/planner-pool.js';
import { analyzeReliability } from '../../reliability/analysis.js';
import { parseRange } from '../../planner/ranges.js';
import { withoutDefaultSplit, type PlanReport } from '../../planner/plan.js';
import { fabricCapacityGpus } from '../../topology/fat-tree-geometry.js';
import { scenarioFabricLoad } from '../../report/fabric-load-data.js';
import { fabricLoadChart } from '../../report/charts/fabric-load.js';
import { accuracyForKey } from '../../validation/accuracy.js';
import { ACCURACY } from '../../validation/accuracy-table.js';
import type { Chart } from '../../report/chart.js';
import { checkOutputDir, renderChartFiles } from '../../node/chart-files.js';
import { reportHtml } from '../../report/html-report.js';
import { scalingCounts, scalingPoints } from '../../report/scaling-points.js';
import { timelineOmittedReason, trainingCharts, trainingReport, type TrainingReportParts } from '../../report/training-report.js';
import { numberFlag } from '../flag-values.js';
import { scenarioFromOptions } from '../scenario-options.js';
import type { ReportFormat } from './report.js';

type Format = ReportFormat;

/** Writes the report the parsed flags ask for. */
export async function runReport(opts: Record<string, unknown>, cmd: Command<any, any>): Promise<void> {
  const format = String(opts.format) as Format;
  // Every flag checked before any work, so a slow run never fails at its end.
  const outDir = opts.outDir === undefined ? undefined : String(opts.outDir);
  if (format === 'html' && outDir !== undefined) throw invalid('--out-dir', 'is for --format svg or png; an HTML report is one file, named by --out');
  if (format !== 'html') {
    if (outDir === undefined) throw invalid('--out-dir', `--format ${format} writes one file per chart: give the folder to write them to`);
    checkOutputDir(outDir);
  } else {
    checkOutputFile(String(opts.out));
  }
  const trials = numberFlag(opts.trials, '--trials', { min: 0, max: MAX_TRIALS, integer: true, unit: 'trials' });
  const seed = numberFlag(opts.seed, '--seed', { min: -1e15, max: 1e15, integer: true });
  if (opts.planGpus !== undefined && !opts.plan) throw invalid('--plan-gpus', 'sets the GPU counts of --plan; give --plan too');
  const catalog = loadPresets();
  const input = scenarioFromOptions(opts, catalog);
  const scenario = resolveScenario(input, catalog);
  const planGpus = opts.plan ? planCounts(opts, scenario) : undefined;
  const quiet = Boolean(opts.json) || !process.stderr.isTTY;

  const parts = await computeParts(scenario, input, catalog, {
    scaling: opts.scaling !== false,
    reliability: opts.reliability !== false,
    trials,
    seed,
    plan: planGpus ? { gpus: planGpus, input: planInput(opts, catalog) } : undefined,
    quiet,
  });
  const charts = trainingCharts(parts);
  const document = nodeDocument();
  const version = (cmd.parent as Command | null)?.version() ?? '';
  const files: Array<{ path: string; data: string | Uint8Array }> = [];
  if (format === 'html') {
    const doc = trainingReport(parts, {
      accuracy: accuracyForKey(ACCURACY, parts.result.accuracyKey) ?? null,
      input,
      generatedBy: `Written by clustertwin ${version} on ${new Date().toISOString().slice(0, 10)}.`,
    });
    files.push({ path: String(opts.out), data: reportHtml(doc, document) });
  } else {
    for (const f of renderChartFiles(charts, format)) files.push({ path: join(outDir!, f.name), data: f.data });
  }
  // Everything is computed: only now is anything written, once every path is known to be writable
  // (a folder where a chart's file should go would otherwise stop the writing halfway).
  const flag = format === 'html' ? '--out' : '--out-dir';
  for (const f of files) checkOutputFile(f.path, flag);
  for (const f of files) writeOutputFile(f.path, f.data, flag);
  if (opts.json) process.stdout.write(`${JSON.stringify(jsonSummary(format, files, charts, parts.result), null, 2)}\n`);
  else process.stdout.write(`wrote ${files.length === 1 ? files[0].path : `${files.length} ${format.toUpperCase()} files to ${outDir}`} (${charts.length} charts)\n`);
}

/** The planner's GPU counts: --plan-gpus, else half, the same and twice the scenario's that the fabric holds. */
function planCounts(opts: Record<string, unknown>, s: Scenario): number[] {
  if (opts.planGpus !== undefined) return parseRange(String(opts.planGpus), '--plan-gpus', { integer: true, bound: BOUNDS.gpus });
  const g = s.exec.gpus;
  const cap = fabricCapacityGpus(s.system);
  return [g / 2, g, g * 2].filter((n) => Number.isInteger(n) && n >= 1 && n <= cap);
}

/** The planner's scenario: the user's, without the default scenario's split (the planner searches it; a split the user gave stays fixed). */
function planInput(opts: Record<string, unknown>, catalog: PresetCatalog): ScenarioInputParsed {
  const input = scenarioFromOptions(opts, withoutDefaultSplit(catalog));
  delete input.gpus;
  return input;
}

interface ComputeOptions {
  scaling: boolean;
  reliability: boolean;
  trials: number;
  seed: number;
  plan?: { gpus: number[]; input: ScenarioInputParsed };
  quiet: boolean;
}

/** Everything the report draws. The planner (seconds to minutes) shows a progress bar on a terminal. */
export async function computeParts(s: Scenario, input: ScenarioInputParsed, catalog: PresetCatalog, o: ComputeOptions): Promise<TrainingReportParts> {
  // Too many passes to keep every event: the report goes on without the Gantt chart and says why.
  const timelineOmitted = timelineOmittedReason(s);
  const result = evaluateScenario(s, { timeline: timelineOmitted === undefined });
  const parts: TrainingReportParts = { result, ...(timelineOmitted ? { timelineOmitted } : {}) };
  // --network flow: the fat tree under the step's gradient reduction (none to draw without DP).
  if (s.exec.network === 'flow') {
    const load = scenarioFabricLoad(s);
    if (load) parts.fabric = [fabricLoadChart(load)];
  }
  if (o.scaling) parts.scaling = scalingPoints(input, catalog, scalingCounts(s.exec.gpus));
  if (o.reliability) {
    parts.reliability = analyzeReliability(s, { kind: 'work', seconds: result.timeToTrainSeconds }, { trials: o.trials, seed: o.seed, keepTrialWallSeconds: true });
  }
  if (o.plan) parts.plan = await runPlanner(o.plan.input, o.plan.gpus, catalog, o.quiet);
  return parts;
}

async function runPlanner(input: ScenarioInputParsed, gpus: number[], catalog: PresetCatalog, quiet: boolean): Promise<PlanReport> {
  const bar = quiet
    ? undefined
    : new cliProgress.SingleBar(
        { format: 'planner |{bar}| {percentage}% | {value}/{total} configurations | {duration_formatted}', stream: process.stderr, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
  let started = false;
  try {
    const pooled = await planOnThreads({ input, gpus }, catalog, {
      threads: availableParallelism(),
      onProgress: (done, total) => {
        if (!bar) return;
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
    });
    return pooled.report;
  } finally {
    if (started) bar?.stop();
  }
}

function jsonSummary(format: Format, files: ReadonlyArray<{ path: string; data: string | Uint8Array }>, charts: readonly Chart[], r: SimulationResult): Record<string, unknown> {
  return {
    format,
    files: files.map((f) => ({ path: f.path, bytes: typeof f.data === 'string' ? Buffer.byteLength(f.data) : f.data.byteLength })),
    charts: charts.map((c) => c.id),
    headline: {
      stepTimeSeconds: r.stepTimeSeconds,
      tokensPerSecond: r.tokensPerSecond,
      mfu: r.mfu,
      hfu: r.hfu,
      peakMemoryBytesPerGpu: r.peakMemoryBytesPerGpu,
      memoryCapacityBytesPerGpu: r.memoryCapacityBytesPerGpu,
      timeToTrainSeconds: r.timeToTrainSeconds,
      timeToTrainWithFailuresSeconds: r.timeToTrainWithFailuresSeconds,
      costUsd: r.costUsd,
      costWithFailuresUsd: r.costWithFailuresUsd,
    },
  };
}
