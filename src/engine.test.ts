import { describe, expect, it } from 'vitest';
import { loadPresets } from './node/presets.js';
import { hbmBytes, memoryByStage, resolveScenario, simulate } from './engine.js';
import { PLANNING_MEMORY_FRACTION } from './memory/headroom.js';

describe('engine', () => {
  it('runs the default scenario', () => {
    const cat = loadPresets();
    const r = simulate(cat.scenarios.default as never, cat);
    expect(r.stepTimeSeconds).toBeGreaterThan(0);
  });

  it('chooses a split that keeps the headroom for allocator fragmentation when one exists', () => {
    const cat = loadPresets();
    const fullest = (input: Record<string, unknown>): number => {
      const s = resolveScenario({ system: 'dgx-h100', model: 'llama3-70b', gpus: 128, seq: 8192, gbs: 256, mbs: 1, recompute: 'selective', ...input }, cat);
      return Math.max(...memoryByStage(s).map((m) => m.totalBytes)) / hbmBytes(s.system);
    };
    // Its fastest split in the whole HBM (TP 4 x PP 4) fills 97% of it; the choice leaves 10% free.
    expect(fullest({ tp: 4, pp: 4 })).toBeGreaterThan(0.95);
    const chosen = resolveScenario({ system: 'dgx-h100', model: 'llama3-70b', gpus: 128, seq: 8192, gbs: 256, mbs: 1, recompute: 'selective' }, cat).exec;
    expect([chosen.tp, chosen.pp]).not.toEqual([4, 4]);
    expect(fullest({})).toBeLessThanOrEqual(PLANNING_MEMORY_FRACTION);
  });

  it('still chooses a split that fits in the whole HBM when none keeps the headroom', () => {
    const cat = loadPresets();
    const r = simulate({ system: 'dgx-h100', model: 'llama3-405b', gpus: 1024, seq: 8192, gbs: 512, mbs: 1, recompute: 'selective' }, cat);
    expect(r.fitsInMemory).toBe(true);
    expect(r.peakMemoryBytesPerGpu / r.memoryCapacityBytesPerGpu).toBeGreaterThan(PLANNING_MEMORY_FRACTION);
  });
});
