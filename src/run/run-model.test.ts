import { describe, expect, it } from 'vitest';
import { scenario } from '../../test/support/catalog.js';
import { runEstimate } from './run-model.js';

describe('run model', () => {
  it('turns a step time into time, GPU-hours, energy and cost', () => {
    const s = scenario({ system: 'ndm-a100-v4', model: 'gpt3-175b', gpus: 1024, tp: 8, pp: 8, gbs: 1536, tokens: 300e9 });
    const r = runEstimate(s.system, s.exec, 20);
    expect(r.steps).toBe(Math.ceil(300e9 / (1536 * 2048)));
    expect(r.timeToTrainSeconds).toBe(r.steps * 20);
    expect(r.gpuHours).toBeCloseTo((1024 * r.timeToTrainSeconds) / 3600, 6);
    // LLaMA-style accounting: GPUs at TDP (400 W) times PUE 1.1.
    expect(r.energyMWh).toBeCloseTo((1024 * 400 * 1.1 * r.timeToTrainSeconds) / 3600 / 1e6, 6);
    expect(r.costUsd).toBeCloseTo(r.gpuHours * 3.67, 6);
  });
});
