/**
 * Every chart of the training report on one small named scenario: its SVG
 * (numbers rounded to two decimals) against a snapshot, as Observable Plot
 * tests its own, and its figures against the engine's numbers for the same
 * scenario.
 */
import { describe, expect, it } from 'vitest';
import { loadPresets } from '../../node/presets.js';
import { nodeDocument } from '../../node/dom.js';
import { evaluateScenario, resolveScenario, type SimulationResult } from '../../engine.js';
import { parseScenarioInput, type ScenarioInput } from '../../config/scenario-input.js';
import { analyzeReliability } from '../../reliability/analysis.js';
import { plan } from '../../planner/plan.js';
import type { TimelineEvent } from '../../schedule/step-simulation.js';
import { chartSvgText, type Chart } from '../chart.js';
import { scalingPoints } from '../scaling-points.js';
import { stepBreakdownChart } from './step-breakdown.js';
import { GANTT_KINDS, GANTT_SLICES, MAX_EXACT_BARS, kindFigure, stepGanttChart } from './step-gantt.js';
import { MEMORY_PARTS, memoryStackChart } from './memory-stack.js';
import { scalingCharts } from './scaling-curve.js';
import { interruptionsByCauseChart } from './interruptions-by-cause.js';
import { goodputIntervalChart } from './goodput-interval.js';
import { quantileSorted, timeToTrainChart } from './time-to-train-distribution.js';
import { planTopChart } from './plan-top.js';
import { planParetoChart } from './plan-pareto.js';

const catalog = loadPresets();

/** The named scenario: Llama 3 8B on 32 H100s, TP 2 x PP 2, 64 x 4,096-token sequences, 2T tokens. */
const LLAMA3_8B_32: ScenarioInput = { system: 'dgx-h100', model: 'llama3-8b', gpus: 32, tp: 2, pp: 2, seq: 4096, gbs: 64, tokens: 2e12 };

const scenario = resolveScenario(LLAMA3_8B_32, catalog);
const result = evaluateScenario(scenario, { timeline: true }) as SimulationResult & { timeline: TimelineEvent[] };
const reliability = analyzeReliability(scenario, { kind: 'work', seconds: result.timeToTrainSeconds }, { trials: 200, seed: 1, keepTrialWallSeconds: true });

/** Plot writes coordinates to many digits: rounded, a snapshot survives float noise across platforms. */
const rounded = (svg: string): string => svg.replace(/\d+\.\d+/g, (x) => Number(x).toFixed(2));
const svgOf = (c: Chart): string => rounded(chartSvgText(c, nodeDocument()));

async function expectSnapshot(c: Chart): Promise<void> {
  const svg = svgOf(c);
  expect(svg.startsWith('<svg')).toBe(true);
  await expect(svg).toMatchFileSnapshot(`__snapshots__/${c.id}.svg`);
}

/** Pipeline time the critical stage's compute stream spends in events, not idle: blocking sends and the compute an asynchronous send slows (overlap-interference.ts). */
const ppOnCriticalCompute = (r: SimulationResult & { timeline: TimelineEvent[] }): number =>
  r.timeline.filter((e) => e.stage === r.criticalStage && e.stream === 'compute' && e.kind === 'pp-comm').reduce((a, e) => a + e.endSeconds - e.startSeconds, 0);

describe('step-gantt', () => {
  const chart = stepGanttChart(result);
  it('matches its snapshot', () => expectSnapshot(chart));
  it('sums every kind of event as the timeline does, and its bubble is the critical stage\'s bubble and exposed PP time', () => {
    for (const k of GANTT_KINDS) {
      if (k.kind === 'bubble') continue;
      const sum = result.timeline.filter((e) => e.kind === k.kind).reduce((a, e) => a + e.endSeconds - e.startSeconds, 0);
      expect(chart.figures[kindFigure(k.kind)], k.kind).toBeCloseTo(sum, 12);
    }
    expect(chart.figures.stepTimeSeconds).toBe(result.stepTimeSeconds);
    expect(chart.figures.events).toBe(result.timeline.length);
    expect(chart.figures.criticalStageIdleSeconds + ppOnCriticalCompute(result)).toBeCloseTo(result.breakdown.bubbleSeconds + result.breakdown.ppCommSeconds, 9);
  });
  it('has one row per pipeline stage and stream, and draws each event exactly when they are few', () => {
    const streams = new Set(result.timeline.map((e) => e.stream)).size;
    expect(chart.figures.rows).toBe(scenario.exec.pp * streams);
    expect(chart.figures.bars).toBeLessThanOrEqual(MAX_EXACT_BARS);
    expect(chart.caption).toMatch(/merged into/);
  });
  it('slices a large step (GPT-3 175B on 64 GPUs, TP 8 x PP 4: ~17,000 events) into at most GANTT_SLICES bars a row, its figures still exact', () => {
    const big = evaluateScenario(resolveScenario({ gpus: 64, tp: 8, pp: 4 }, catalog), { timeline: true }) as SimulationResult & { timeline: TimelineEvent[] };
    expect(big.timeline.length).toBeGreaterThan(10_000);
    const c = stepGanttChart(big);
    expect(c.caption).toMatch(/slices/);
    expect(c.figures.bars).toBeLessThanOrEqual(c.figures.rows * GANTT_SLICES);
    const forward = big.timeline.filter((e) => e.kind === 'forward').reduce((a, e) => a + e.endSeconds - e.startSeconds, 0);
    expect(c.figures.forwardSeconds).toBeCloseTo(forward, 9);
    expect(c.figures.criticalStageIdleSeconds + ppOnCriticalCompute(big)).toBeCloseTo(big.breakdown.bubbleSeconds + big.breakdown.ppCommSeconds, 9);
    // A few hundred KB at most, not megabytes.
    expect(chartSvgText(c, nodeDocument()).length).toBeLessThan(600_000);
  });
});

describe('step-breakdown', () => {
  const chart = stepBreakdownChart(result);
  it('matches its snapshot', () => expectSnapshot(chart));
  it('carries the breakdown', () => expect(chart.figures).toEqual({ stepTimeSeconds: result.stepTimeSeconds, ...result.breakdown }));
});

describe('memory-stack', () => {
  const chart = memoryStackChart(result);
  it('matches its snapshot', () => expectSnapshot(chart));
  it('carries the memory by kind of the fullest stage and the HBM', () => {
    for (const [key] of MEMORY_PARTS) expect(chart.figures[key], key).toBe(result.memory[key]);
    expect(chart.figures.totalBytes).toBe(result.peakMemoryBytesPerGpu);
    expect(chart.figures.capacityBytes).toBe(result.memoryCapacityBytesPerGpu);
  });
});

describe('scaling curves', () => {
  // 3 GPUs: no split of the batch; kept as a point with its reason.
  const points = scalingPoints(parseScenarioInput(LLAMA3_8B_32), catalog, [3, 16, 32, 64]);
  const charts = scalingCharts(points, { ...result.config.execution, tokensPerSecond: result.tokensPerSecond, mfu: result.mfu, costUsd: result.costUsd });
  it('match their snapshots', async () => {
    for (const c of charts) await expectSnapshot(c);
  });
  it('carry at each count what the engine gives with the split it chooses there', () => {
    const { tp: _tp, pp: _pp, ...rest } = LLAMA3_8B_32;
    for (const gpus of [16, 32, 64]) {
      const r = evaluateScenario(resolveScenario({ ...rest, gpus }, catalog));
      expect(charts[0].figures[`tokensPerSecondAt${gpus}`]).toBe(r.tokensPerSecond);
      expect(charts[1].figures[`mfuAt${gpus}`]).toBe(r.mfu);
      expect(charts[2].figures[`costUsdAt${gpus}`]).toBe(r.costUsd);
    }
  });
  it("mark the scenario's own split with its own figures", () => {
    expect(charts[0].figures.tokensPerSecondOfScenario).toBe(result.tokensPerSecond);
    expect(charts[1].figures.mfuOfScenario).toBe(result.mfu);
    expect(charts[2].caption).toMatch(/this scenario \(TP2·PP2 on 32 GPUs\)/);
  });
  it('report a count that cannot run, with its reason, instead of dropping it', () => {
    const bad = points.find((p) => p.gpus === 3);
    expect(bad?.ok).toBe(false);
    expect(charts[0].figures).toMatchObject({ points: 4, drawn: 3 });
    expect(charts[0].caption).toMatch(/Not drawn: 3 GPUs \(/);
  });
});

describe('reliability charts', () => {
  it('interruptions by cause match their snapshot and carry the expected counts', async () => {
    const c = interruptionsByCauseChart(reliability);
    await expectSnapshot(c);
    for (const cause of reliability.causes) expect(c.figures[cause.name]).toBe(cause.count);
    expect(c.figures.interruptions).toBe(reliability.interruptions);
  });
  it('goodput against interval matches its snapshot and marks the interval used', async () => {
    const c = goodputIntervalChart(reliability);
    await expectSnapshot(c);
    expect(c.figures).toMatchObject({ goodput: reliability.goodput, checkpointIntervalSeconds: reliability.checkpointIntervalSeconds, sweepPoints: reliability.sweep.length });
  });
  it('time to train matches its snapshot and its median and mean are the Monte Carlo\'s', async () => {
    const mc = reliability.monteCarlo!;
    const c = timeToTrainChart({ ...mc, wallSecondsByTrial: mc.wallSecondsByTrial! }, reliability.wallSeconds);
    await expectSnapshot(c);
    expect(c.figures.trials).toBe(200);
    expect(c.figures.p50Seconds).toBe(mc.wallSeconds.p50);
    expect(c.figures.meanSeconds).toBe(mc.wallSeconds.mean);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6, 12);
  });
});

describe('plan charts', () => {
  const report = plan({ input: parseScenarioInput({ system: 'dgx-h100', model: 'llama3-8b', seq: 4096, gbs: 64, tokens: 2e12 }), gpus: [16, 32], top: 5, recheck: 4 }, catalog);
  it('the top plans match their snapshot and carry the planner\'s figures', async () => {
    const c = planTopChart(report);
    await expectSnapshot(c);
    report.plans.forEach((p, i) => {
      expect(c.figures[`timeToTrainSeconds${i + 1}`]).toBe(p.timeToTrainSeconds);
      expect(c.figures[`costUsd${i + 1}`]).toBe(p.costUsd);
    });
  });
  it('the Pareto front matches its snapshot and carries each point\'s best', async () => {
    const c = planParetoChart(report);
    await expectSnapshot(c);
    expect(c.figures.onFront).toBe(report.points.filter((p) => p.pareto).length);
    for (const p of report.points) expect(c.figures[`costUsd@${p.system}/${p.gpus}`]).toBe(p.best!.costUsd);
  });
});
