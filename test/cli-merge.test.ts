/**
 * `sweep --shard K/N`, `plan --shard K/N` and `merge`: N shards merged print what one process
 * prints, byte for byte (but for the plan's line that says how long the search took on how many
 * threads); the merge refuses shards that are not one whole run.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectUsageError, runCli } from './support/cli.js';
import { testDir } from './support/temp-dir.js';

const job = ['--system', 'dgx-h100', '--model', 'llama3-70b', '--gpus', '256', '--tp', '8', '--pp', '4', '--seq', '4096', '--gbs', '256'];
/** Six rows, one refused by the engine (TP 3 does not divide the heads), so an error row travels too. */
const sweepArgs = ['sweep', ...job, '--set', 'tp=3,8', '--set', 'gbs=256,512,1024'];

/** Two systems x two GPU counts: the points table and the Pareto front travel too. */
const planArgs = ['plan', '--model', 'llama3-8b', '--seq', '4096', '--gbs', '16', '--gpus', '8,16', '--system', 'dgx-h100,dgx-a100-80g', '--zero', '1', '--recompute', 'none', '--top', '3', '--recheck', '2', '--threads', '1'];
/** One point, a few hundred splits: cheap enough to shard many ways. */
const tinyPlanArgs = ['plan', '--system', 'dgx-h100', '--model', 'llama3-8b', '--seq', '4096', '--gbs', '16', '--gpus', '8', '--zero', '1', '--recompute', 'none', '--top', '3', '--recheck', '2', '--threads', '1'];

async function ok(args: string[]): Promise<string> {
  const r = await runCli(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

let runs = 0;

/** Runs `args` as shards 1..n, each to its own file (named run-K.json); returns the files in a shuffled order. */
async function shardFiles(dir: string, args: string[], n: number, extra: string[] = []): Promise<string[]> {
  const files: string[] = [];
  const run = ++runs;
  for (let k = 1; k <= n; k++) {
    const f = join(dir, `${args[0]}${run}-${k}.json`);
    expect(await ok([...args, ...extra, '--shard', `${k}/${n}`, '--out', f])).toBe('');
    files.push(f);
  }
  // The merge reads them in any order.
  return [...files.slice(1), files[0]];
}

/** The plan's words for how the search ran (time, threads), which a merge of shards says differently. */
const searchLine = (text: string): string => text.replace(/ in [\d.]+ (?:µs|ms|s|min|h) on \d+ threads?:/, ' in TIME on THREADS:');
const searchJson = (text: string): string => text.replace(/"search": \{\n {4}"threads": \d+,\n {4}"seconds": [\d.e-]+\n {2}\}/, '"search": SEARCH');

describe('sweep --shard and merge', () => {
  it.each([1, 2, 3, 7])('merges %i shards into the CSV and the JSON lines one process prints, byte for byte', async (n) => {
    const dir = testDir('ct-merge-');
    const csv = await ok(sweepArgs);
    const jsonl = await ok([...sweepArgs, '--json']);
    expect(csv.split('\n')).toHaveLength(8);
    expect(csv).toContain('TP 3 must divide');
    const csvShards = await shardFiles(dir, sweepArgs, n);
    expect(await ok(['merge', ...csvShards])).toBe(csv);
    expect(await ok(['merge', ...csvShards, '--format', 'jsonl'])).toBe(jsonl);
    const jsonShards = await shardFiles(dir, sweepArgs, n, ['--json']);
    expect(await ok(['merge', ...jsonShards])).toBe(jsonl);
    expect(await ok(['merge', ...jsonShards, '--format', 'csv'])).toBe(csv);
  });

  it('merges any number of shards, given in any order, into the same rows', async () => {
    const dir = testDir('ct-merge-');
    const args = ['sweep', ...job, '--set', 'gbs=128,256,512,1024', '--set', 'fabric.oversubscription=1,2'];
    const csv = await ok(args);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 0, max: 1000 }), async (n, seed) => {
        const files = await shardFiles(dir, args, n);
        const order = files.map((f, i) => ({ f, key: (i * 7919 + seed) % 101 })).sort((a, b) => a.key - b.key).map((x) => x.f);
        expect(await ok(['merge', ...order])).toBe(csv);
      }),
      { numRuns: 6 },
    );
  });

  it('writes a shard as one JSON object naming its slice', async () => {
    const out = JSON.parse(await ok([...sweepArgs, '--shard', '2/4']));
    expect(out).toMatchObject({ format: 'clustertwin-shard', kind: 'sweep', shard: { index: 2, count: 4 }, items: 6, output: 'csv' });
    expect(out.rows.map((r: any) => r.index)).toEqual([1, 5]);
  });
});

describe('plan --shard and merge', () => {
  it.each([1, 2, 3])('merges %i shards into the table and the JSON one process prints', async (n) => {
    const dir = testDir('ct-merge-');
    const table = await ok(planArgs);
    const json = await ok([...planArgs, '--json']);
    expect(table).toContain('Best plan at each point');
    const files = await shardFiles(dir, planArgs, n);
    const merged = await ok(['merge', ...files]);
    // Byte for byte but for the words that say how the search ran (each found and set aside).
    expect(searchLine(merged)).not.toBe(merged);
    expect(searchLine(merged)).toBe(searchLine(table));
    const mergedJson = await ok(['merge', ...files, '--json']);
    expect(searchJson(mergedJson)).not.toBe(mergedJson);
    expect(searchJson(mergedJson)).toBe(searchJson(json));
    expect(JSON.parse(mergedJson).search.threads).toBe(n);
  });

  it('merges more shards than there are groups of splits (some shards search nothing)', async () => {
    const dir = testDir('ct-merge-');
    const items = JSON.parse(await ok([...tinyPlanArgs, '--shard', '1/1'])).items as number;
    const n = items + 3;
    const files = await shardFiles(dir, tinyPlanArgs, n, ['--json']);
    const empty = files.map((f) => JSON.parse(readFileSync(f, 'utf8'))).filter((s) => s.results.every((r: any) => r.counts.considered === 0));
    expect(empty.length).toBeGreaterThanOrEqual(3);
    expect(searchJson(await ok(['merge', ...files]))).toBe(searchJson(await ok([...tinyPlanArgs, '--json'])));
    expect(searchLine(await ok(['merge', ...files, '--format', 'table']))).toBe(searchLine(await ok(tinyPlanArgs)));
  });

  it('merges a random number of shards into the same JSON', async () => {
    const dir = testDir('ct-merge-');
    const json = searchJson(await ok([...tinyPlanArgs, '--json']));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9 }), async (n) => {
        expect(searchJson(await ok(['merge', ...(await shardFiles(dir, tinyPlanArgs, n, ['--json']))]))).toBe(json);
      }),
      { numRuns: 4 },
    );
  });

  it('writes the report with --out, whole, as it prints it', async () => {
    const dir = testDir('ct-merge-');
    const f = join(dir, 'plan.json');
    expect(await ok([...tinyPlanArgs, '--json', '--out', f])).toBe('');
    expect(searchJson(readFileSync(f, 'utf8'))).toBe(searchJson(await ok([...tinyPlanArgs, '--json'])));
  });
});

describe('merge refuses what is not one whole run', () => {
  async function setUp(): Promise<{ dir: string; sweep: string[]; plan: string[] }> {
    const dir = testDir('ct-merge-');
    return { dir, sweep: await shardFiles(dir, sweepArgs, 3), plan: await shardFiles(dir, tinyPlanArgs, 2) };
  }

  it('names the missing shard, a shard given twice, and mixed sweep and plan shards', async () => {
    const { sweep, plan } = await setUp();
    const byK = (files: string[], k: number): string => files.find((f) => f.endsWith(`-${k}.json`)) as string;
    expectUsageError(await runCli(['merge', byK(sweep, 1), byK(sweep, 3)]), 'shard files', /shard 2\/3 is missing/);
    expectUsageError(await runCli(['merge', byK(sweep, 1)]), 'shard files', /2 shards of 3 are missing \(K = 2, 3\)/);
    expectUsageError(await runCli(['merge', ...sweep, byK(sweep, 2)]), 'shard files', /are both shard 2\/3/);
    expectUsageError(await runCli(['merge', ...sweep, ...plan]), 'shard files', /is a sweep shard and .* a plan shard/);
  });

  it('refuses shards of different scenarios, of different N, and of another version', async () => {
    const { dir, sweep } = await setUp();
    const other = await shardFiles(dir, ['sweep', ...job, '--set', 'tp=3,8', '--set', 'gbs=256,512,2048'], 3);
    expectUsageError(await runCli(['merge', sweep[0], sweep[1], other[2]]), 'shard files', /is a shard of a different sweep/);
    const four = await shardFiles(dir, sweepArgs, 4);
    expectUsageError(await runCli(['merge', sweep[0], four[0]]), 'shard files', /give the shards of one --shard K\/N run, with one N/);
    // The same files, as another clustertwin would have written them.
    const old = sweep.map((f, i) => {
      const s = JSON.parse(readFileSync(f, 'utf8'));
      const copy = join(dir, `old-${i}.json`);
      writeFileSync(copy, JSON.stringify({ ...s, clustertwin: '0.0.9' }));
      return copy;
    });
    expectUsageError(await runCli(['merge', sweep[0], old[1], sweep[2]]), 'shard files', /written by clustertwin .* and .* by 0\.0\.9/);
    expectUsageError(await runCli(['merge', ...old]), 'shard files', /written by clustertwin 0\.0\.9; this is /);
  });

  it('refuses an edited or cut shard, a file that is not a shard, and an output the shards cannot give', async () => {
    const { dir, sweep, plan } = await setUp();
    const s = JSON.parse(readFileSync(sweep[0], 'utf8'));
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, JSON.stringify({ ...s, rows: s.rows.slice(1) }));
    expectUsageError(await runCli(['merge', cut, sweep[1], sweep[2]]), 'shard files', /is not whole: it holds 1 rows of its 2/);
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, JSON.stringify({ ...s, inputs: { ...s.inputs, plan: true } }));
    expectUsageError(await runCli(['merge', edited, sweep[1], sweep[2]]), 'shard files', /other presets than this clustertwin's \(or the file was edited\)/);
    const notShard = join(dir, 'not.json');
    writeFileSync(notShard, '{"rows": []}');
    expectUsageError(await runCli(['merge', notShard]), notShard, /not a shard file/);
    expectUsageError(await runCli(['merge', join(dir, 'absent.json')]), join(dir, 'absent.json'), /cannot read it \(ENOENT\)/);
    expectUsageError(await runCli(['merge', ...plan, '--format', 'csv']), '--format', /a plan merges to table or json/);
    expectUsageError(await runCli(['merge', ...sweep, '--format', 'table']), '--format', /a sweep merges to csv or jsonl/);
  });

  it.each(['0/4', '5/4', 'x', '1/0', '1/4/2', '-1/4', '1.5/4'])('sweep and plan refuse --shard %s with one line naming --shard, and write nothing', async (bad) => {
    const dir = testDir('ct-merge-');
    const out = join(dir, 'shard.json');
    expectUsageError(await runCli([...sweepArgs, '--shard', bad, '--out', out]), '--shard', /K\/N|K must|N must/);
    expectUsageError(await runCli([...tinyPlanArgs, '--shard', bad, '--out', out]), '--shard', /K\/N|K must|N must/);
    expect(existsSync(out)).toBe(false);
  });
});
