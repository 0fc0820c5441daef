import { describe, expect, it } from 'vitest';
import { loadPresets } from './node/presets.js';
import { simulate } from './engine.js';

describe('engine', () => {
  it('runs the default scenario', () => {
    const cat = loadPresets();
    const r = simulate(cat.scenarios.default as never, cat);
    expect(r.stepTimeSeconds).toBeGreaterThan(0);
  });
});
