import { describe, expect, it } from 'vitest';
import { layerScenario } from './scenario-layers.js';

const base = { system: 'ndm-a100-v4', model: 'gpt3-175b', gpus: 1024, seq: 2048, gbs: 1536, tp: 8, pp: 8, recompute: 'selective' };

describe('layerScenario', () => {
  it('keeps the default split while the workload is the default one', () => {
    expect(layerScenario(base, { recompute: 'full' })).toEqual({ ...base, recompute: 'full' });
    expect(layerScenario(base, { gpus: 1024 })).toEqual(base);
  });

  it('drops the split (not the batch) for a new machine or GPU count', () => {
    const out = layerScenario(base, { gpus: 2048 });
    expect(out).toMatchObject({ gpus: 2048, seq: 2048, gbs: 1536 });
    expect(out.tp).toBeUndefined();
    expect(out.pp).toBeUndefined();
  });

  it('drops the recipe (batch, sequence and split) for a new model, and keeps what the user gave', () => {
    const out = layerScenario(base, { model: 'llama3-70b', tp: 4 });
    expect(out.seq).toBeUndefined();
    expect(out.gbs).toBeUndefined();
    expect(out.pp).toBeUndefined();
    expect(out.tp).toBe(4);
  });

  it('changes neither argument', () => {
    const b = { ...base };
    const u = { gpus: 64 };
    layerScenario(b, u);
    expect(b).toEqual(base);
    expect(u).toEqual({ gpus: 64 });
  });
});
