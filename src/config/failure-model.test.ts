import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { lookupPreset, resolveSystem } from './catalog.js';
import { resolveFailureModel } from './failure-model.js';

const lookup = (name: string, path: string) => lookupPreset(catalog, 'reliability', name, path);

describe('failure models', () => {
  it('resolve every built-in preset', () => {
    for (const name of Object.keys(catalog.reliability)) {
      const m = resolveFailureModel(lookup, name, 'x');
      expect(m.causes.length).toBeGreaterThan(0);
      expect(m.recovery.restartSeconds).toBeGreaterThanOrEqual(0);
    }
  });

  it('inherit from their base, multiply rate scales and override recovery times one by one', () => {
    const m = resolveFailureModel(lookup, { extends: 'meta-rsc-a100', rateScale: 2, recovery: { restartSeconds: 60 } }, 'system.reliability');
    const base = resolveFailureModel(lookup, 'llama3-h100', 'x');
    expect(m.rateScale).toBeCloseTo(2 * 1.716, 9);
    expect(m.causes).toEqual(base.causes);
    expect(m.recovery).toEqual({ ...base.recovery, restartSeconds: 60 });
    expect(m.name).toBe('inline');
  });

  it('is the default preset for a system that names none, the A100 fleet for A100 systems', () => {
    expect(resolveSystem(catalog, 'dgx-h100').reliability.name).toBe('default');
    expect(resolveSystem(catalog, 'ndm-a100-v4').reliability.name).toBe('meta-rsc-a100');
  });

  it.each([
    [{ causes: [] }, /lacks stragglers/],
    [{ extends: 'llama3-h100', causes: [{ name: 'x', label: 'X', component: 'gpu', count: 1, perUnitHour: 1 }] }, /give either count or perUnitHour/],
    [{ extends: 'nope' }, /unknown reliability preset "nope"/],
    [{ extends: 'llama3-h100', observed: undefined, causes: [{ name: 'x', label: 'X', component: 'rack', perUnitHour: 1 }] }, /component/],
    [{ extends: 'llama3-h100', frobnicate: 1 }, /unknown field frobnicate/],
  ])('rejects %j', (input, message) => {
    expect(() => resolveFailureModel(lookup, input, 'system.reliability')).toThrow(message);
  });

  it('rejects a cycle of extends', () => {
    const cyclic = (name: string) => (name === 'a' ? { extends: 'b' } : { extends: 'a' });
    expect(() => resolveFailureModel(cyclic, 'a', 'x')).toThrow(/extends itself/);
  });
});
