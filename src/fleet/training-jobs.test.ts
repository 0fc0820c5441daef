import { describe, expect, it } from 'vitest';
import { evaluateScenario, resolveScenario } from '../engine.js';
import { loadPresets } from '../node/presets.js';
import type { FleetJob } from './job.js';
import { withTrainingDurations } from './training-jobs.js';

const catalog = loadPresets();
const job = (id: string, gpus: number, tokens: number, durationSeconds = 0): FleetJob => ({
  id,
  submitSeconds: 0,
  gpus,
  durationSeconds,
  priority: 'normal',
  tenant: 'a',
  training: { scenario: { model: 'llama3-8b', tp: 1, pp: 1 }, tokens },
});

describe('withTrainingDurations', () => {
  it("sets a training job's duration to the step model's time to train, keeps a given one", () => {
    const [a, b, c] = withTrainingDurations([job('a', 64, 1e10), job('b', 64, 2e10), job('c', 64, 1e10, 123)], 'nd-h100-v5', catalog);
    const direct = evaluateScenario(resolveScenario({ system: 'nd-h100-v5', model: 'llama3-8b', tp: 1, pp: 1, gpus: 64, tokens: 1e10 }, catalog)).timeToTrainSeconds;
    expect(a!.durationSeconds).toBeCloseTo(direct, 6);
    expect(b!.durationSeconds / a!.durationSeconds).toBeCloseTo(2, 2);
    expect(c!.durationSeconds).toBe(123);
  });

  it('names the job when its scenario is bad', () => {
    const bad = { ...job('x7', 64, 1e10), training: { scenario: { model: 'no-such-model' }, tokens: 1e10 } };
    expect(() => withTrainingDurations([bad], 'nd-h100-v5', catalog)).toThrow(/x7/);
  });
});
