/**
 * `clustertwin reliability`: how often a training job stops and why, what
 * each stop costs, which checkpoint interval is best, and how long the run
 * really takes (or how much of a wall-clock window is useful). Thin: parse,
 * call src/reliability, print.
 */
import { Command } from '@commander-js/extra-typings';
import { pc } from '../color.js';
import { evaluateScenario, resolveScenario, type SimulationResult } from '../../engine.js';
import type { PresetCatalog } from '../../config/catalog.js';
import { lookupPreset } from '../../config/catalog.js';
import { resolveFailureModel } from '../../config/failure-model.js';
import type { Scenario } from '../../config/resolve.js';
import { ClusterTwinError } from '../../errors.js';
import { MAX_FAILURE_RATE_SCALE, MAX_TRIALS, MAX_WINDOW_DAYS } from '../../config/bounds.js';
import { durationFlag, numberFlag } from '../flag-values.js';
import { loadPresets } from '../../node/presets.js';
import { analyzeReliability, type AnalysisOptions, type ReliabilityReport } from '../../reliability/analysis.js';
import type { Horizon } from '../../reliability/expected-run.js';
import { formatBytes, formatCount, formatDuration, SECONDS_PER_DAY, SECONDS_PER_HOUR } from '../../units.js';
import { progressBar } from '../progress-bar.js';
import { heading, int, keyValues, pct, shareTable, table, usd } from '../format.js';
import { addScenarioOptions, scenarioFromOptions } from '../scenario-options.js';
import { modelTitle, runTokensText, tokensGivenBy } from '../describe-scenario.js';
import { intervalLabel, intervalSource, intervalText, rangeText, type PredictionIntervals } from '../../validation/interval.js';
import { resultIntervals } from './simulate.js';

const DEFAULT_TRIALS = 1000;

export function reliabilityCommand(): Command<any, any> {
  const models = Object.keys(loadPresets().reliability).sort().join(', ');
  const cmd = new Command('reliability')
    .description('failures, checkpoints and goodput of a training run over weeks')
    .addHelpText(
      'after',
      `
Takes the same scenario flags as simulate. Interruption rates come from the
system's failure model (built in: ${models}), scaled by the job's GPUs,
nodes, NICs and fabric links. The expected-value model gives the answer; a
seeded Monte Carlo gives its distribution (--trials 0 to skip it).

The step time's 80% interval (as simulate states it) is applied, as ratios,
to the expected time to train (--json: stepTimeInterval, timeToTrainInterval;
in a --days window, to the failure-free time to train). The Monte Carlo's
spread is the failures' alone and is not folded in (docs/accuracy.md).

Examples:
  clustertwin reliability --system dgx-h100 --model llama3-405b --gpus 16384 --tp 8 --pp 16 --seq 8192 --gbs 2048 --recompute full --days 54
  clustertwin reliability --model llama3-70b --gpus 1024 --async-checkpoint --checkpoint-interval 10m
  clustertwin reliability --system dgx-h100 --gpus 4096 --hot-spares 4 --json`,
    );
  addScenarioOptions(cmd)
    .option('--days <d>', 'study a wall-clock window of this many days instead of the token budget')
    .option('--checkpoint-interval <t>', 'training time between checkpoints: seconds, or 30s, 20m, 1.5h, 2d; or optimal', 'optimal')
    .option('--async-checkpoint', 'save asynchronously: training waits only for the copy to host memory')
    .option('--hot-spares <n>', 'hot spare nodes, or auto: enough that the job waits for a node at most 1% of the time', 'auto')
    .option('--failure-model <preset>', "failure-model preset (default: the system's)")
    .option('--failure-rate-scale <x>', 'multiply every unplanned failure rate (what-if)')
    .option('--checkpoint-write-gbps <x>', "aggregate checkpoint write bandwidth, GB/s (default: the system's storage)")
    .option('--checkpoint-read-gbps <x>', "aggregate checkpoint read bandwidth, GB/s (default: the system's storage)")
    .option('--restart <t>', "time to reschedule and re-initialize the job after a stop (default: the failure model's)")
    .option('--trials <n>', 'Monte Carlo trials (0: none)', String(DEFAULT_TRIALS))
    .option('--seed <n>', 'Monte Carlo seed', '1')
    .option('--json', 'print one JSON object instead of tables');
  return cmd.action((raw) => {
    const opts = raw as Record<string, unknown>;
    const catalog = loadPresets();
    const analysis = analysisOptions(opts, catalog);
    // A window of days replaces the token budget: given both, one would be silently ignored.
    if (opts.days !== undefined && opts.tokens !== undefined) {
      throw new ClusterTwinError('invalid_value', '--days', 'studies a wall-clock window instead of the token budget; give --days or --tokens, not both');
    }
    const scenario = resolveScenario(scenarioFromOptions(opts, catalog), catalog);
    const result = evaluateScenario(scenario);
    const horizon: Horizon =
      opts.days !== undefined
        ? { kind: 'window', seconds: numberFlag(opts.days, '--days', { min: 0, max: MAX_WINDOW_DAYS, exclusiveMin: true, unit: 'days' }) * SECONDS_PER_DAY }
        : { kind: 'work', seconds: result.timeToTrainSeconds };
    const bar = progressBar(Boolean(opts.json) || !process.stdout.isTTY || !process.stderr.isTTY, 'Monte Carlo [{bar}] {percentage}% | {value}/{total} trials');
    let report: ReliabilityReport;
    try {
      report = analyzeReliability(scenario, horizon, { ...analysis, onProgress: bar?.update });
    } finally {
      bar?.stop();
    }
    const intervals = reliabilityIntervals(result, report);
    const out = {
      system: scenario.system.name,
      model: scenario.model.name,
      tokens: scenario.exec.tokens,
      tokensSource: scenario.exec.tokensSource,
      stepTimeSeconds: result.stepTimeSeconds,
      tokensPerSecond: result.tokensPerSecond,
      failureFreeTimeToTrainSeconds: result.timeToTrainSeconds,
      fitsInMemory: result.fitsInMemory,
      achievable: result.achievable,
      ...report,
      ...intervals,
    };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${renderReliability(scenario, report, result, tokensGivenBy(opts), intervals)}\n`);
  });
}

/**
 * The step time's interval, and its ratios applied to the expected time to train with failures
 * (the run's wall-clock time; in a window horizon, to the failure-free time to train). Failures
 * come per wall-clock hour, so a slower step also meets a few more of them: the ratio understates
 * the top a little, and the Monte Carlo's spread (failures alone) is not folded in.
 */
function reliabilityIntervals(result: SimulationResult, report: ReliabilityReport): PredictionIntervals {
  const base = resultIntervals(result);
  const seconds = report.horizon.kind === 'work' && Number.isFinite(report.wallSeconds) ? report.wallSeconds : result.timeToTrainSeconds;
  const st = base.stepTimeInterval;
  const ratio = { low: st.low / result.stepTimeSeconds, high: st.high / result.stepTimeSeconds };
  return { stepTimeInterval: st, timeToTrainInterval: { ...st, low: seconds * ratio.low, high: seconds * ratio.high } };
}

const DAY = SECONDS_PER_DAY;
const YEAR = 365 * DAY;

/** The reliability flags as library options (checked before any work). */
function analysisOptions(opts: Record<string, unknown>, catalog: PresetCatalog): AnalysisOptions {
  const out: AnalysisOptions = {};
  const interval = String(opts.checkpointInterval ?? 'optimal');
  if (interval !== 'optimal') out.intervalSeconds = durationFlag(interval, '--checkpoint-interval', { min: 0, max: 10 * YEAR, exclusiveMin: true });
  out.asyncCheckpoint = Boolean(opts.asyncCheckpoint);
  const spares = String(opts.hotSpares ?? 'auto');
  if (spares !== 'auto') out.hotSpares = numberFlag(spares, '--hot-spares', { min: 0, max: 1e6, integer: true, unit: 'nodes (or auto)' });
  if (opts.failureModel !== undefined) {
    out.failureModel = resolveFailureModel((name, at) => lookupPreset(catalog, 'reliability', name, at), String(opts.failureModel), '--failure-model');
  }
  if (opts.failureRateScale !== undefined) out.rateScale = numberFlag(opts.failureRateScale, '--failure-rate-scale', { min: 0, max: MAX_FAILURE_RATE_SCALE, unit: 'a factor' });
  if (opts.checkpointWriteGbps !== undefined) out.writeGBps = numberFlag(opts.checkpointWriteGbps, '--checkpoint-write-gbps', { min: 0, max: 1e9, exclusiveMin: true, unit: 'GB/s' });
  if (opts.checkpointReadGbps !== undefined) out.readGBps = numberFlag(opts.checkpointReadGbps, '--checkpoint-read-gbps', { min: 0, max: 1e9, exclusiveMin: true, unit: 'GB/s' });
  if (opts.restart !== undefined) out.restartSeconds = durationFlag(opts.restart, '--restart', { min: 0, max: YEAR });
  out.trials = numberFlag(opts.trials ?? DEFAULT_TRIALS, '--trials', { min: 0, max: MAX_TRIALS, integer: true, unit: 'trials' });
  out.seed = numberFlag(opts.seed ?? '1', '--seed', { min: -1e15, max: 1e15, integer: true });
  return out;
}

const hours = (s: number): string => (Number.isFinite(s) ? `${(s / SECONDS_PER_HOUR).toFixed(1)} h` : 'never');
const dur = (s: number): string => (Number.isFinite(s) ? formatDuration(s) : 'never finishes');

/** What the report needs from the simulated step. */
export type StepFigures = Pick<SimulationResult, 'timeToTrainSeconds' | 'tokensPerSecond' | 'achievable' | 'peakMemoryBytesPerGpu' | 'memoryCapacityBytesPerGpu'>;

/**
 * The human-readable reliability report. A job that does not fit in memory is reported, marked:
 * its interruptions, checkpoint cost and interval depend only on the GPUs, nodes and state it holds,
 * which stay true; its time to train, useful tokens and cost stand on a step it cannot run.
 */
export function renderReliability(s: Scenario, r: ReliabilityReport, step: StepFigures, givenBy = 'the scenario', intervals?: PredictionIntervals): string {
  const failureFreeSeconds = step.timeToTrainSeconds;
  const tokensPerSecond = step.tokensPerSecond;
  const out: string[] = [];
  const c = r.components;
  const ck = r.checkpoint;
  out.push(
    `${heading(modelTitle(s.model))} on ${int(s.exec.gpus)} x ${s.system.gpu.description ?? s.system.gpu.name} (${s.system.name}), failure model ${r.failureModel}`,
  );
  const horizon =
    r.horizon.kind === 'window'
      ? `a ${(r.horizon.seconds / SECONDS_PER_DAY).toFixed(1)}-day window`
      : `the run: ${runTokensText(s.exec, givenBy)}, ${formatDuration(failureFreeSeconds)} without failures`;
  if (!step.achievable) {
    out.push(
      pc.red(
        `does not fit in GPU memory (${formatBytes(step.peakMemoryBytesPerGpu)} of ${formatBytes(step.memoryCapacityBytesPerGpu)}): the interruptions and checkpoints below hold for these GPUs, but the time to train, useful tokens and cost are what it would take if it fitted; not achievable as configured`,
      ),
    );
  }
  out.push(
    keyValues([
      ['horizon', horizon],
      ['job', `${int(c.gpu)} GPUs · ${int(c.node)} nodes · ${int(c.nic)} NICs · ${int(c.fabricLink)} fabric links · ${int(r.hotSpareNodes)} hot spare nodes${r.hotSparesAuto ? ' (auto)' : ''}`],
      [
        'checkpoint',
        `${formatBytes(ck.bytes)} (${formatBytes(ck.bytesPerGpu)} per GPU) · write ${formatDuration(ck.writeSeconds)} · load ${formatDuration(ck.readSeconds)} · ${
          ck.async ? `asynchronous (stall ${formatDuration(ck.stallSeconds)})` : 'synchronous'
        }`,
      ],
    ]),
  );
  out.push('');
  out.push(heading('Interruptions (expected)'));
  out.push(
    keyValues([
      ['unplanned', Number.isFinite(r.mtbfSeconds) ? `${r.interruptions.toFixed(1)} (${r.interruptionsPerDay.toFixed(2)} per day, one every ${formatDuration(r.mtbfSeconds)})` : 'none (no unplanned failure rate)'],
      ['planned', r.plannedInterruptions.toFixed(1)],
    ]),
  );
  const rows = [...r.causes].sort((a, b) => b.count - a.count).filter((x) => x.count > 0);
  out.push(
    table(
      ['cause', 'per', 'count', 'share', 'per day', 'downtime each'],
      rows.map((x) => [
        x.planned && !/planned/i.test(x.label) ? `${x.label} (planned)` : x.label,
        componentLabel(x.component),
        x.count >= 10 ? x.count.toFixed(0) : x.count.toFixed(2),
        x.planned ? '-' : pct(x.share),
        x.perDay.toFixed(3),
        formatDuration(x.downtimeSeconds),
      ]),
      [2, 3, 4, 5],
    ),
  );
  out.push('');
  out.push(heading('Checkpoint interval (training time between checkpoints)'));
  out.push(
    keyValues([
      ['Young/Daly', Number.isFinite(r.youngDalyIntervalSeconds) ? `${formatDuration(r.youngDalyIntervalSeconds)} (first answer)` : 'none: without unplanned failures no checkpoint pays for itself'],
      [
        'optimal',
        `${formatDuration(r.optimalCheckpointIntervalSeconds)} (renewal model)${
          r.simulatedOptimalCheckpointIntervalSeconds !== undefined ? `; best simulated in the sweep: ${formatDuration(r.simulatedOptimalCheckpointIntervalSeconds)}` : ''
        }`,
      ],
      ['used', formatDuration(r.checkpointIntervalSeconds)],
    ]),
  );
  out.push('');
  const when =
    r.horizon.kind === 'window'
      ? `useful training ${dur(r.usefulSeconds)}, ${formatCount(r.usefulSeconds * tokensPerSecond)} tokens`
      : `time to train ${r.goodput >= 1e-3 ? dur(r.wallSeconds) : 'never (practically)'}`;
  out.push(heading(`Goodput ${pct(r.goodput)} (expected): ${when}`));
  if (intervals && r.horizon.kind === 'work' && r.goodput >= 1e-3) {
    const t = intervals.timeToTrainInterval;
    out.push(`  ${intervalLabel(t)}: ${rangeText(t, dur)}, the step time's (${rangeText(intervals.stepTimeInterval, formatDuration)}) applied to the time to train (${intervalSource(t)})`);
  } else if (intervals) out.push(`  ${intervalLabel(intervals.stepTimeInterval)} of the step time: ${intervalText(intervals.stepTimeInterval, formatDuration)}`);
  const t = r.time;
  const parts: Array<[string, number]> = [
    ['useful training', t.usefulSeconds],
    ['straggler slowdown', t.stragglerSeconds],
    ['checkpoint stalls', t.checkpointStallSeconds],
    ['lost work (redone)', t.lostWorkSeconds],
    ['detection', t.detectSeconds],
    ['restart', t.restartSeconds],
    ['loading checkpoints', t.loadSeconds],
    ['saving before planned stops', t.saveSeconds],
    ['waiting for spare nodes', t.spareWaitSeconds],
  ];
  // Below this goodput the expected time runs to centuries: say so rather than print it.
  if (r.goodput >= 1e-3) {
    out.push(shareTable(['wall-clock time', 'hours', 'share'], parts, r.wallSeconds, hours));
  } else {
    const waiting = Number.isFinite(r.wallSeconds) && r.time.spareWaitSeconds > r.wallSeconds / 2;
    out.push(pc.red(`  the job practically never finishes: ${waiting ? 'it waits for spare nodes nearly all the time (try more --hot-spares)' : 'interruptions take nearly all of its time'}`));
  }
  if (r.goodput >= 1e-3) out.push(keyValues([['GPU-hours', `${int(r.gpuHours)} held (spares included), ${int(r.lostGpuHours)} not useful`], ['cost', usd(r.costUsd)]]));
  if (r.monteCarloLimit) {
    const l = r.monteCarloLimit;
    out.push('');
    out.push(pc.yellow(`Monte Carlo: ${l.trials === 0 ? 'skipped' : `${int(l.trials)} of the ${int(l.requestedTrials)} trials asked`}: ${l.reason}`));
  }
  if (r.monteCarlo) {
    const mc = r.monteCarlo;
    out.push('');
    out.push(heading(`Monte Carlo: ${int(mc.trials)} trials, seed ${mc.seed}`));
    const row = (label: string, st: { mean: number; p5: number; p50: number; p95: number }, f: (x: number) => string): string[] => [label, f(st.mean), f(st.p5), f(st.p50), f(st.p95)];
    out.push(
      table(
        ['', 'mean', 'p5', 'p50', 'p95'],
        [
          row('wall-clock', mc.wallSeconds, dur),
          row('unplanned interruptions', mc.interruptions, (x) => x.toFixed(1)),
          row('goodput', mc.goodput, (x) => pct(x)),
          row('lost GPU-hours', mc.lostGpuHours, (x) => (Number.isFinite(x) ? int(x) : 'all')),
          row('cost', mc.costUsd, (x) => (Number.isFinite(x) ? usd(x) : '-')),
        ],
        [1, 2, 3, 4],
      ),
    );
  }
  out.push('');
  out.push(heading('Checkpoint interval sweep'));
  const simulated = r.sweep.some((p) => p.simulatedGoodput !== undefined);
  out.push(
    table(
      ['interval', 'goodput', ...(simulated ? ['simulated'] : []), r.horizon.kind === 'work' ? 'time to train' : 'useful time'],
      r.sweep.map((p) => {
        const mark = Math.abs(p.intervalSeconds - r.checkpointIntervalSeconds) < 1e-6 * r.checkpointIntervalSeconds ? ' (used)' : '';
        return [
          `${formatDuration(p.intervalSeconds)}${mark}`,
          pct(p.goodput),
          ...(simulated ? [pct(p.simulatedGoodput ?? 0)] : []),
          r.horizon.kind === 'work' ? dur(p.wallSeconds) : dur(p.goodput * r.horizon.seconds),
        ];
      }),
      [1, 2, 3],
    ),
  );
  return out.join('\n');
}

const componentLabel = (c: string): string => (c === 'fabricLink' ? 'fabric link' : c === 'job' ? 'job' : c === 'nic' ? 'NIC' : c === 'gpu' ? 'GPU' : c);
