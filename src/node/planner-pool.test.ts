import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { parseScenarioInput } from '../config/scenario-input.js';
import { plan } from '../planner/plan.js';
import { MIN_PARALLEL_SPLITS, planOnThreads } from './planner-pool.js';

describe('planOnThreads', () => {
  it('gives the same report on two threads as in one', async () => {
    const input = parseScenarioInput({ system: 'dgx-h100', model: 'llama3-70b', gpus: 1024, seq: 8192, gbs: 512, tokens: 15e12 });
    const single = plan({ input, top: 8 }, catalog);
    expect(single.considered).toBeGreaterThan(MIN_PARALLEL_SPLITS);
    const pooled = await planOnThreads({ input, top: 8 }, catalog, { threads: 2 });
    expect(pooled.threads).toBe(2);
    expect(pooled.report).toEqual(single);
  });

  it('stays in the calling thread for small spaces', async () => {
    const input = parseScenarioInput({ system: 'dgx-h100', model: 'llama3-8b', gpus: 8, seq: 8192, gbs: 64 });
    const pooled = await planOnThreads({ input }, catalog, { threads: 4 });
    expect(pooled.threads).toBe(1);
    expect(pooled.report).toEqual(plan({ input }, catalog));
  });
});
