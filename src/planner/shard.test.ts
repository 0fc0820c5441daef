import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog as presets } from '../../test/support/catalog.js';
import { parseScenarioInput } from '../config/scenario-input.js';
import { errorOf } from '../../test/support/errors.js';
import { finishPlan, plan, preparePlan, runPlanTasks, withoutDefaultSplit } from './plan.js';
import { MAX_SHARDS, inShard, parseShard, planItems, planShardOf, shardItems, shardPlanSetup } from './shard.js';

const catalog = withoutDefaultSplit(presets);
const small = { input: parseScenarioInput({ system: 'dgx-h100', model: 'llama3-8b', gpus: 8, gbs: 16, seq: 4096, zero: 1, recompute: 'none' }), top: 3, recheck: 2 };

describe('parseShard', () => {
  it('reads K/N with K from 1', () => {
    expect(parseShard('3/16')).toEqual({ index: 3, count: 16 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    expect(parseShard(`${MAX_SHARDS}/${MAX_SHARDS}`)).toEqual({ index: MAX_SHARDS, count: MAX_SHARDS });
  });

  it.each(['0/4', '5/4', 'x', '1/0', '', '1/', '/4', '2', '1/4/2', '-1/4', '1.5/4', `1/${MAX_SHARDS + 1}`])('refuses %j, naming the flag', (text) => {
    const e = errorOf(() => parseShard(text));
    expect(e.path).toBe('--shard');
  });
});

describe('sweep rows', () => {
  it('go to exactly one shard each, and shardItems counts them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 40 }), (items, n) => {
        const owners = Array.from({ length: items }, (_, i) => Array.from({ length: n }, (_, k) => k + 1).filter((k) => inShard(i, { index: k, count: n })));
        for (const o of owners) expect(o).toHaveLength(1);
        for (let k = 1; k <= n; k++) expect(shardItems(items, { index: k, count: n })).toBe(owners.filter((o) => o[0] === k).length);
      }),
    );
  });
});

describe('plan shards', () => {
  const setup = preparePlan(small, catalog);

  it('deal every group of splits to exactly one shard, the same way each time', () => {
    for (const n of [1, 2, 3, planItems(setup) + 2]) {
      const of = planShardOf(setup, n);
      expect(planShardOf(setup, n)).toEqual(of);
      const shards = Array.from({ length: n }, (_, k) => shardPlanSetup(setup, { index: k + 1, count: n }));
      setup.tasks.forEach((t, ti) => {
        const joined = shards.flatMap((s) => s.tasks[ti].groups).sort((a, b) => a - b);
        expect(joined).toEqual([...t.groups].sort((a, b) => a - b));
      });
      expect(shards.reduce((a, s) => a + s.total, 0)).toBe(setup.total);
    }
  });

  it('give, merged, the report of the whole search', () => {
    const whole = plan(small, catalog);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), (n) => {
        const results = Array.from({ length: n }, (_, k) => runPlanTasks(shardPlanSetup(setup, { index: k + 1, count: n }))).flat();
        expect(finishPlan(setup, results, catalog)).toEqual(whole);
      }),
      { numRuns: 5 },
    );
  });
});
