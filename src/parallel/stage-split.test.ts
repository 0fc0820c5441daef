import { describe, expect, it } from 'vitest';
import { checkLayerSplit, chunkLayers, defaultLayerSplit } from './stage-split.js';

describe('layer split over pipeline stages', () => {
  it('is even when the layers divide', () => {
    expect(defaultLayerSplit(96, 8)).toEqual(Array(8).fill(12));
  });
  it('gives Llama 3 405B 7 + 14x8 + 7 on 16 stages (Llama 3 paper)', () => {
    expect(defaultLayerSplit(126, 16)).toEqual([7, ...Array(14).fill(8), 7]);
  });
  it('gives BLOOM-176B 5 + 10x6 + 5 on 12 stages (Megatron-DeepSpeed)', () => {
    expect(defaultLayerSplit(70, 12)).toEqual([5, ...Array(10).fill(6), 5]);
  });
  it('always sums to the layers', () => {
    for (let layers = 1; layers <= 130; layers++) {
      for (const pp of [2, 3, 4, 6, 8, 12, 16]) {
        if (pp > layers) continue;
        const split = defaultLayerSplit(layers, pp);
        expect(split.reduce((a, b) => a + b, 0)).toBe(layers);
        expect(split.every((x) => x >= 0)).toBe(true);
      }
    }
  });
  it('checks a user split', () => {
    expect(() => checkLayerSplit([8, 8], 16, 2)).not.toThrow();
    expect(() => checkLayerSplit([8, 7], 16, 2)).toThrow(/sum to the model's 16 layers/);
    expect(() => checkLayerSplit([16], 16, 2)).toThrow(/must list 2 stages/);
  });
  it('splits a stage into model chunks', () => {
    expect(chunkLayers(8, 4)).toEqual([2, 2, 2, 2]);
    expect(chunkLayers(7, 2)).toEqual([4, 3]);
  });
});
