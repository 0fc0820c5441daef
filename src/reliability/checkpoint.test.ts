import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scenario } from '../../test/support/catalog.js';
import { checkpointCost, uniqueParams } from './checkpoint.js';
import { totalParams } from '../model/transformer.js';

const llama = scenario({ system: 'dgx-h100', model: 'llama3-405b', gpus: 16384, tp: 8, pp: 16, seq: 8192, gbs: 2048 });

describe('checkpoint', () => {
  it('saves 14 bytes per parameter: BLOOM-176B is 2.3 TiB (bigscience tr11 README)', () => {
    const bloom = scenario({ system: 'dgx-a100-80g', model: 'bloom-176b', gpus: 384, tp: 4, pp: 12, gbs: 2048 });
    const c = checkpointCost(bloom);
    expect(c.bytesPerParam).toBe(14);
    expect(c.bytes / 2 ** 40).toBeGreaterThan(2.3 * 0.95);
    expect(c.bytes / 2 ** 40).toBeLessThan(2.3 * 1.05);
  });

  it('counts the output layer copy of a tied embedding once more when it sits on another stage', () => {
    const bloom1 = scenario({ system: 'dgx-a100-80g', model: 'bloom-176b', gpus: 8, tp: 8, pp: 1, gbs: 8 });
    expect(uniqueParams(bloom1)).toBe(totalParams(bloom1.model));
    const bloom12 = scenario({ system: 'dgx-a100-80g', model: 'bloom-176b', gpus: 96, tp: 8, pp: 12, gbs: 96 });
    expect(uniqueParams(bloom12)).toBe(totalParams(bloom12.model) + bloom12.model.vocab * bloom12.model.hidden);
  });

  it('spreads Llama 3 405B over 16,384 GPUs within the 1 MB-4 GB per GPU Meta reports', () => {
    const c = checkpointCost(llama);
    expect(c.bytesPerGpu).toBeGreaterThan(1e6);
    expect(c.bytesPerGpu).toBeLessThan(4e9);
    expect(c.bytesPerGpu * llama.exec.gpus).toBeGreaterThanOrEqual(c.bytes * 0.99);
  });

  it('stalls training for the write when synchronous, only for the host copy when asynchronous', () => {
    const sync = checkpointCost(llama);
    const asyncCk = checkpointCost(llama, { async: true });
    expect(sync.stallSeconds).toBeCloseTo(sync.writeSeconds, 9);
    expect(sync.durableLagSeconds).toBe(0);
    expect(asyncCk.stallSeconds).toBeLessThan(sync.stallSeconds / 100);
    expect(asyncCk.durableLagSeconds).toBeCloseTo(sync.writeSeconds, 9);
    expect(asyncCk.minIntervalSeconds).toBeGreaterThan(0);
  });

  it('writes and reads faster on faster storage (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 10_000, noNaN: true }), fc.double({ min: 1.01, max: 100, noNaN: true }), (gbps, k) => {
        const slow = checkpointCost(llama, { writeGBps: gbps, readGBps: gbps });
        const fast = checkpointCost(llama, { writeGBps: gbps * k, readGBps: gbps * k });
        return fast.writeSeconds < slow.writeSeconds && fast.readSeconds < slow.readSeconds && fast.stallSeconds <= slow.stallSeconds;
      }),
    );
  });
});
