/** The training report's assembly: which sections and charts each part brings, the YAML, the accuracy and the hook for the fabric's charts. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPresets } from '../node/presets.js';
import { evaluateScenario, resolveScenario } from '../engine.js';
import { parseScenarioInput } from '../config/scenario-input.js';
import { analyzeReliability } from '../reliability/analysis.js';
import { accuracyForKey } from '../validation/accuracy.js';
import { ACCURACY } from '../validation/accuracy-table.js';
import { scalingCounts, scalingPoints } from './scaling-points.js';
import { scenarioYaml, trainingCharts, trainingReport } from './training-report.js';
import type { Chart } from './chart.js';

const catalog = loadPresets();
const input = parseScenarioInput({ system: 'dgx-h100', model: 'llama3-8b', gpus: 32, seq: 4096, gbs: 64 });
const s = resolveScenario(input, catalog);
const result = evaluateScenario(s, { timeline: true });

describe('trainingCharts', () => {
  it('draws the step and memory always, and each optional part only when given, ids unique', () => {
    expect(trainingCharts({ result }).map((c) => c.id)).toEqual(['step-gantt', 'step-breakdown', 'memory-stack']);
    const reliability = analyzeReliability(s, { kind: 'work', seconds: result.timeToTrainSeconds }, { trials: 50, seed: 1, keepTrialWallSeconds: true });
    const all = trainingCharts({ result, reliability, scaling: scalingPoints(input, catalog, [16, 32]) }).map((c) => c.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain('time-to-train-distribution');
    // Without the trials' times there is no histogram to draw.
    const noSamples = analyzeReliability(s, { kind: 'work', seconds: result.timeToTrainSeconds }, { trials: 50, seed: 1 });
    expect(trainingCharts({ result, reliability: noSamples }).map((c) => c.id)).not.toContain('time-to-train-distribution');
  });
  it('puts the fabric charts (--network flow) in their own section after memory', () => {
    const fabric: Chart = { id: 'fabric-load', title: 'Link load', caption: '', figures: {}, plot: { marks: [] } };
    const doc = trainingReport({ result, fabric: [fabric] }, { accuracy: null, input, generatedBy: '' });
    expect(doc.sections.map((x) => x.title)).toEqual(['The step', 'Memory', 'The fabric']);
  });
  it('without a timeline, leaves the Gantt chart out and says why', () => {
    const { timeline: _t, ...noTimeline } = result;
    const doc = trainingReport({ result: noTimeline, timelineOmitted: 'too many passes' }, { accuracy: null, input, generatedBy: '' });
    expect(doc.sections[0].charts.map((c) => c.id)).toEqual(['step-breakdown']);
    expect(doc.sections[0].text).toBe('No Gantt chart: too many passes.');
  });
});

describe('trainingReport', () => {
  it("states the suite's accuracy record for the result's key", () => {
    const entry = accuracyForKey(ACCURACY, result.accuracyKey) ?? null;
    const doc = trainingReport({ result }, { accuracy: entry, input, generatedBy: 'x' });
    expect(doc.accuracy.startsWith('Accuracy: ')).toBe(true);
    if (entry && entry.runs > 0) expect(doc.accuracy).toMatch(new RegExp(`${entry.runs} published`));
    else expect(doc.accuracy).toMatch(/unchecked/);
  });
  it('writes YAML with the user\'s fields and the split the engine resolved', () => {
    const y = parse(scenarioYaml(input, result));
    const e = result.config.execution;
    expect(y).toMatchObject({ system: 'dgx-h100', model: 'llama3-8b', gpus: 32, seq: 4096, gbs: 64, tp: e.tp, pp: e.pp, dp: e.dp, mbs: e.mbs, recompute: e.recompute });
    expect(resolveScenario(parseScenarioInput(y), catalog).exec).toEqual(e);
  });
});

describe('scalingCounts', () => {
  it('halves and doubles three times, whole GPUs only', () => {
    expect(scalingCounts(1024)).toEqual([128, 256, 512, 1024, 2048, 4096, 8192]);
    expect(scalingCounts(4)).toEqual([1, 2, 4, 8, 16, 32]);
  });
});
