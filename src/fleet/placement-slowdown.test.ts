import { describe, expect, it } from 'vitest';
import { resolveSystem } from '../config/catalog.js';
import type { SystemSpec } from '../config/system-schema.js';
import { evaluateScenario, resolveScenario } from '../engine.js';
import { loadPresets } from '../node/presets.js';
import type { FleetJob } from './job.js';
import { stepModelSlowdown } from './placement-slowdown.js';

const catalog = loadPresets();
const h100 = resolveSystem(catalog, 'nd-h100-v5');
const tapered: SystemSpec = { ...h100, name: 'nd-h100-v5 at 2:1', fabric: { ...h100.fabric, oversubscription: [2, 2] } };
const moe = (gpus: number, model = 'qwen3-30b-a3b'): FleetJob => ({
  id: 'm1',
  submitSeconds: 0,
  gpus,
  durationSeconds: 3600,
  priority: 'normal',
  tenant: 'a',
  training: { scenario: { model, tp: 1, pp: 1, ep: 16 }, tokens: 1e9 },
});

describe('the engine with a placement', () => {
  it('answers as before without one, and never faster spread than compact', () => {
    const s = resolveScenario({ system: 'nd-h100-v5', model: 'qwen3-30b-a3b', tp: 1, pp: 1, ep: 16, gpus: 128 }, catalog);
    const plain = evaluateScenario(s).stepTimeSeconds;
    expect(evaluateScenario(s, { placement: undefined }).stepTimeSeconds).toBe(plain);
    const compact = evaluateScenario(s, { placement: { leaves: 1, pods: 1 } }).stepTimeSeconds;
    const spread = evaluateScenario(s, { placement: { leaves: 16, pods: 4 } }).stepTimeSeconds;
    expect(spread).toBeGreaterThanOrEqual(compact);
  });
});

describe('stepModelSlowdown', () => {
  it('is 1 at the compact span and for duration-only jobs, and grows with the pods spanned on a tapered fabric', () => {
    const sd = stepModelSlowdown(tapered, catalog);
    const compact = { leaves: 1, pods: 1 };
    expect(sd(moe(128), compact, compact)).toBe(1);
    const { training: _, ...plain } = moe(128);
    expect(sd(plain, { leaves: 16, pods: 4 }, compact)).toBe(1);
    const onePod = sd(moe(128), { leaves: 3, pods: 1 }, compact);
    const fourPods = sd(moe(128), { leaves: 16, pods: 4 }, compact);
    expect(onePod).toBeGreaterThanOrEqual(1);
    expect(fourPods).toBeGreaterThan(onePod);
    // The same question again is answered from the cache.
    const n = sd.evaluations();
    sd(moe(128), { leaves: 16, pods: 4 }, compact);
    expect(sd.evaluations()).toBe(n);
  });

  it('is smaller on a 1:1 fabric than on a 2:1 one for the same spread', () => {
    const compact = { leaves: 1, pods: 1 };
    const flat = stepModelSlowdown(h100, catalog)(moe(128), { leaves: 16, pods: 4 }, compact);
    const steep = stepModelSlowdown(tapered, catalog)(moe(128), { leaves: 16, pods: 4 }, compact);
    expect(flat).toBeLessThan(1.01);
    expect(steep).toBeGreaterThan(flat);
  });

  it('names the job when its scenario is bad', () => {
    expect(() => stepModelSlowdown(h100, catalog)(moe(128, 'no-such-model'), { leaves: 2, pods: 1 }, { leaves: 1, pods: 1 })).toThrow(/m1/);
  });
});
