import { describe, expect, it } from 'vitest';
import { scenario } from '../../test/support/catalog.js';
import { scenarioCosts } from '../engine.js';

describe('step costs', () => {
  it('gathers FSDP weights in fp32 when the GEMMs start from fp32 weights (twice the bytes, more time)', () => {
    const base = { system: 'dgx-h100', model: 'llama3-8b', gpus: 64, tp: 1, pp: 1, gbs: 64, zero: 3 as const, overlap: 'none' };
    const bf16 = scenarioCosts(scenario(base)).stages[0].forward[0];
    const fp32 = scenarioCosts(scenario({ ...base, weightDtype: 'fp32' })).stages[0].forward[0];
    // Across 8 nodes the all-gather is bandwidth-bound: twice the bytes take 1.5x to 2x as long.
    expect(fp32.totalComm.dp / bf16.totalComm.dp).toBeGreaterThan(1.5);
    expect(fp32.totalComm.dp / bf16.totalComm.dp).toBeLessThanOrEqual(2 + 1e-9);
    // And autocast's weight casts add memory-bound compute.
    expect(fp32.computeSeconds).toBeGreaterThan(bf16.computeSeconds);
  });
});
