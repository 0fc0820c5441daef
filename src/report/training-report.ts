/**
 * The training report, assembled: the scenario's headline figures, its
 * stated accuracy, the YAML that reruns it, and its charts in sections
 * (the step, memory, scaling, reliability, and the planner's with --plan).
 * Pure and browser-safe: the CLI (src/cli/commands/report.ts) computes the
 * parts and writes the file; the web app calls `trainingCharts` for the same
 * charts.
 *
 *   SimulationResult (+ timeline) ─┐
 *   ScalingPoint[]                 ├─► trainingCharts ─► Chart[] ─► sections ─► ReportDocument
 *   ReliabilityReport, PlanReport ─┘
 */
import { stringify } from 'yaml';
import type { SimulationResult } from '../engine.js';
import type { ScenarioInputParsed } from '../config/scenario-input.js';
import type { Scenario } from '../config/resolve.js';
import { MAX_TIMELINE_PASSES } from '../config/bounds.js';
import type { PlanReport } from '../planner/plan.js';
import type { ReliabilityReport } from '../reliability/analysis.js';
import type { TimelineEvent } from '../schedule/step-simulation.js';
import { accuracySentence, type AccuracyEntry } from '../validation/accuracy.js';
import { formatBytes, formatCount, formatDuration, formatPercent } from '../units.js';
import type { Chart } from './chart.js';
import type { ReportDocument, ReportSection } from './html-report.js';
import type { ScalingPoint } from './scaling-points.js';
import { stepBreakdownChart } from './charts/step-breakdown.js';
import { stepGanttChart } from './charts/step-gantt.js';
import { memoryStackChart } from './charts/memory-stack.js';
import { scalingCharts } from './charts/scaling-curve.js';
import { interruptionsByCauseChart } from './charts/interruptions-by-cause.js';
import { goodputIntervalChart } from './charts/goodput-interval.js';
import { timeToTrainChart } from './charts/time-to-train-distribution.js';
import { planTopChart } from './charts/plan-top.js';
import { planParetoChart } from './charts/plan-pareto.js';

/** Everything a training report draws, computed by its caller. */
export interface TrainingReportParts {
  /** The scenario simulated, with its timeline (`evaluateScenario(s, { timeline: true })`) for the Gantt chart. */
  result: SimulationResult & { timeline?: TimelineEvent[] };
  /** Why the result has no timeline (too many passes to keep): said in place of the Gantt chart. */
  timelineOmitted?: string;
  /** The same model, system and batch at other GPU counts (scalingPoints); absent: no scaling section. */
  scaling?: readonly ScalingPoint[];
  /** analyzeReliability over the run (with keepTrialWallSeconds for the histogram); absent: no reliability section. */
  reliability?: ReliabilityReport;
  /** The planner's report (`report --plan`). */
  plan?: PlanReport;
  /**
   * Charts of the fabric under the flow-level network (`--network flow`): the hook for the
   * fat-tree link-load chart (src/report/charts/fabric-load.ts, built apart); absent: no fabric section.
   */
  fabric?: readonly Chart[];
}

/**
 * Why a scenario's step gets no Gantt chart: more micro-batch passes than the simulation keeps the
 * events of (MAX_TIMELINE_PASSES); undefined when its timeline can be kept. The report and the page
 * both ask this before simulating with `timeline: true`.
 */
export function timelineOmittedReason(s: Scenario): string | undefined {
  const passes = s.exec.pp * s.exec.vp * s.exec.microbatches;
  if (passes <= MAX_TIMELINE_PASSES) return undefined;
  return `the step has ${passes.toLocaleString('en-US')} micro-batch passes, more than the ${MAX_TIMELINE_PASSES.toLocaleString('en-US')} whose events the simulation keeps (raise --mbs or lower --gbs to see it)`;
}

/** The charts of each section, in the report's order (ids unique). */
export function trainingSections(parts: TrainingReportParts): Array<{ key: 'step' | 'memory' | 'fabric' | 'scaling' | 'reliability' | 'plan'; title: string; charts: Chart[] }> {
  const r = parts.result;
  const out: ReturnType<typeof trainingSections> = [
    { key: 'step', title: 'The step', charts: r.timeline ? [stepGanttChart({ ...r, timeline: r.timeline }), stepBreakdownChart(r)] : [stepBreakdownChart(r)] },
    { key: 'memory', title: 'Memory', charts: [memoryStackChart(r)] },
  ];
  if (parts.fabric?.length) out.push({ key: 'fabric', title: 'The fabric', charts: [...parts.fabric] });
  if (parts.scaling) out.push({ key: 'scaling', title: 'Scaling', charts: scalingCharts(parts.scaling, { ...r.config.execution, tokensPerSecond: r.tokensPerSecond, mfu: r.mfu, costUsd: r.costUsd }) });
  const rel = parts.reliability;
  if (rel) {
    const charts = [interruptionsByCauseChart(rel), goodputIntervalChart(rel)];
    const mc = rel.monteCarlo;
    if (mc?.wallSecondsByTrial) charts.push(timeToTrainChart({ ...mc, wallSecondsByTrial: mc.wallSecondsByTrial }, rel.wallSeconds));
    out.push({ key: 'reliability', title: 'Reliability', charts });
  }
  if (parts.plan) out.push({ key: 'plan', title: 'The planner', charts: [planTopChart(parts.plan), planParetoChart(parts.plan)] });
  return out;
}

/** Every chart of the report, in order: what the web app and `--format svg|png` draw. */
export const trainingCharts = (parts: TrainingReportParts): Chart[] => trainingSections(parts).flatMap((s) => s.charts);

/** The split fields the engine resolved, written out so the YAML reruns this very split. */
const RESOLVED_KEYS = ['tp', 'pp', 'dp', 'cp', 'ep', 'vp', 'mbs', 'sp', 'zero', 'recompute'] as const;

/** The scenario as the YAML `--config` reads: what the user gave, with the split the engine resolved. */
export function scenarioYaml(input: ScenarioInputParsed, result: Pick<SimulationResult, 'config'>): string {
  const e = result.config.execution;
  const out: Record<string, unknown> = { ...input, gpus: e.gpus, seq: e.seq, gbs: e.gbs };
  for (const k of RESOLVED_KEYS) out[k] = e[k];
  return stringify(out);
}

const pct = formatPercent;
const usd = (x: number): string => (x >= 1e6 ? `$${(x / 1e6).toFixed(2)}M` : `$${Math.round(x).toLocaleString('en-US')}`);

/** What the report's caller adds: the accuracy record, the scenario's input and who wrote it. */
export interface TrainingReportContext {
  /** The suite's record for result.accuracyKey (accuracyForKey(ACCURACY, key)), or null. */
  accuracy: AccuracyEntry | null;
  /** The scenario as given (flags over --config over the default), for the YAML. */
  input: ScenarioInputParsed;
  /** `clustertwin 0.1.0, 2026-12-02`: the footer. */
  generatedBy: string;
}

/** The whole training report. */
export function trainingReport(parts: TrainingReportParts, ctx: TrainingReportContext): ReportDocument {
  const r = parts.result;
  const { system, model, execution: e } = r.config;
  const gpuName = system.gpu.description ?? system.gpu.name;
  const k = r.accuracyKey;
  const accuracy = `Accuracy: ${accuracySentence(ctx.accuracy ?? undefined, gpuName, e.precision, k.kernels, k.moe, k.shardedWeights)}.`;
  const headline: Array<[string, string]> = [
    ['step time', `${formatDuration(r.stepTimeSeconds)} (${r.method}, ${r.network} network)`],
    ['tokens/s', formatCount(r.tokensPerSecond)],
    ['MFU / HFU', `${pct(r.mfu)} / ${pct(r.hfu)}`],
    ['memory per GPU', `${formatBytes(r.peakMemoryBytesPerGpu)} of ${formatBytes(r.memoryCapacityBytesPerGpu)}${r.fitsInMemory ? '' : ': does NOT fit (figures as if it did)'}`],
    ['time to train', `${formatDuration(r.timeToTrainSeconds)} failure-free, ${formatDuration(r.timeToTrainWithFailuresSeconds)} with failures (goodput ${pct(r.goodput)})`],
    ['cost', `${usd(r.costUsd)} failure-free, ${usd(r.costWithFailuresUsd)} with failures, at $${system.pricing.usdPerGpuHour}/GPU-hour`],
    ['GPU-hours, energy', `${Math.round(r.gpuHours).toLocaleString('en-US')} GPU-hours, ${r.energyMWh.toFixed(1)} MWh`],
  ];
  const sections: ReportSection[] = trainingSections(parts).map((s) => {
    if (s.key === 'step') {
      return {
        title: s.title,
        rows: [
          ['parallelism', `TP ${e.tp} · PP ${e.pp} · DP ${e.dp} · CP ${e.cp} · EP ${e.ep} · VP ${e.vp} · SP ${e.sp ? 'on' : 'off'} · ZeRO ${e.zero}`],
          ['execution', `recompute ${e.recompute} · ${e.precision} · ${e.attention} attention · ${e.kernels} kernels`],
          ['batch', `${e.gbs.toLocaleString('en-US')} × ${e.seq.toLocaleString('en-US')} tokens, micro-batch ${e.mbs}, ${e.microbatches} per pipeline`],
        ],
        ...(parts.timelineOmitted ? { text: `No Gantt chart: ${parts.timelineOmitted}.` } : {}),
        charts: s.charts,
      };
    }
    if (s.key === 'reliability' && parts.reliability) {
      const rel = parts.reliability;
      return {
        title: s.title,
        text: `${rel.interruptions.toFixed(0)} unplanned interruptions expected (${rel.interruptionsPerDay.toFixed(2)} a day), a checkpoint every ${formatDuration(rel.checkpointIntervalSeconds)}, goodput ${pct(rel.goodput)}, ${formatDuration(rel.wallSeconds)} wall-clock.${rel.monteCarloLimit ? ` The Monte Carlo ran ${rel.monteCarloLimit.trials} of ${rel.monteCarloLimit.requestedTrials} trials: ${rel.monteCarloLimit.reason}.` : ''}`,
        charts: s.charts,
      };
    }
    return { title: s.title, charts: s.charts };
  });
  return {
    title: `${model.description ?? model.name} on ${e.gpus.toLocaleString('en-US')} × ${gpuName}`,
    subtitle: `${system.name} · ${formatCount(e.tokens)} tokens · ${formatCount(r.tokensPerStep)} tokens a step`,
    accuracy,
    scenarioYaml: scenarioYaml(ctx.input, r),
    headline,
    sections,
    notModelled: r.notModelled,
    generatedBy: ctx.generatedBy,
  };
}
