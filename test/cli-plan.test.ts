import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './support/cli.js';
import { testDir } from './support/temp-dir.js';

const small = ['--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '16', '--seq', '4096', '--gbs', '64', '--tokens', '100B'];

async function planJson(args: string[]): Promise<any> {
  const r = await runCli(['plan', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

const PLAN_FIGURES = ['stepTimeSeconds', 'mfu', 'peakMemoryBytesPerGpu', 'timeToTrainSeconds', 'timeToTrainWithFailuresSeconds', 'costUsd', 'costWithFailuresUsd', 'tokensPerSecond', 'gpuHours', 'energyMWh'] as const;

/** Replays a plan with `simulate` and checks it gives the same figures, to the last bit. */
async function expectReplays(plan: any): Promise<void> {
  const r = await runCli(['simulate', ...plan.simulate, '--json']);
  expect(r.stderr).toBe('');
  const sim = JSON.parse(r.stdout);
  for (const k of PLAN_FIGURES) expect(sim[k]).toBe(plan[k]);
  const e = sim.config.execution;
  for (const k of ['tp', 'pp', 'dp', 'cp', 'ep', 'vp', 'mbs', 'zero', 'recompute', 'sp', 'gpus', 'gbs', 'seq']) expect(e[k]).toBe(plan[k]);
}

describe('clustertwin plan', () => {
  it('prints the best plans as a table, with the search summary and a replay line', async () => {
    const r = await runCli(['plan', ...small, '--top', '3']);
    expect(r.code).toBe(0);
    for (const text of ['Plans for llama3-8b on 16 GPUs of dgx-h100', 'configurations', 'do not fit in ', 'estimated with the closed form', 're-checked with the event simulation', 'step time', 'MFU', 'time to train', 'cost', 'Replay the best: clustertwin simulate --system dgx-h100']) {
      expect(r.stdout).toContain(text);
    }
  });

  it('shows time and cost with failures beside the failure-free figures the objective ranks by', async () => {
    const r = await runCli(['plan', ...small, '--top', '3']);
    expect(r.stdout).toContain('(objective: time, ranked by failure-free time to train)');
    const head = r.stdout.split('\n').find((l) => l.includes('time to train') && l.includes('│'))!;
    const cols = head.split('│').map((c) => c.trim());
    expect(cols.filter((c) => c === 'with failures')).toHaveLength(2);
    expect(cols.indexOf('with failures')).toBe(cols.indexOf('time to train') + 1);
    expect(cols.lastIndexOf('with failures')).toBe(cols.indexOf('cost') + 1);
    const j = await planJson([...small, '--top', '3', '--objective', 'cost']);
    for (const p of j.plans) {
      expect(p.timeToTrainWithFailuresSeconds).toBeGreaterThan(p.timeToTrainSeconds);
      expect(p.costWithFailuresUsd).toBeGreaterThan(p.costUsd);
    }
    const costs = j.plans.map((p: any) => p.costUsd);
    expect([...costs].sort((a, b) => a - b)).toEqual(costs);
    const cost = await runCli(['plan', ...small, '--top', '1', '--objective', 'cost']);
    expect(cost.stdout).toContain('(objective: cost, ranked by failure-free cost)');
  });

  it('prints different splits, each with how many VP/micro-batch variants it stands for; --all-variants lists them', async () => {
    const family = (p: any): string => [p.tp, p.pp, p.dp, p.cp, p.ep, p.zero, p.recompute, p.sp].join('|');
    const grouped = await planJson([...small, '--top', '10']);
    expect(grouped.variantsGrouped).toBe(true);
    expect(new Set(grouped.plans.map(family)).size).toBe(10);
    const withVariants = grouped.plans.filter((p: any) => p.variants.length > 0);
    expect(withVariants.length).toBeGreaterThan(0);
    for (const p of withVariants) {
      for (const v of p.variants) {
        expect(`${v.vp}|${v.mbs}`).not.toBe(`${p.vp}|${p.mbs}`);
        expect(v.peakMemoryBytesPerGpu).toBeLessThanOrEqual(p.memoryCapacityBytesPerGpu);
      }
    }
    const all = await planJson([...small, '--top', '10', '--all-variants']);
    expect(all.variantsGrouped).toBe(false);
    // Ungrouped, the same split comes back with another VP or micro-batch (the old top 10).
    expect(new Set(all.plans.map(family)).size).toBeLessThan(10);
    for (const p of all.plans) expect(p.variants).toEqual([]);
    expect(all.plans[0].stepTimeSeconds).toBe(grouped.plans[0].stepTimeSeconds);
    const table = await runCli(['plan', ...small, '--top', '10']);
    expect(table.stdout).toMatch(/│ +\+\d+ │/);
    const n = grouped.plans.find((p: any) => p.variants.length > 0);
    expect(table.stdout).toContain(`+${n.variants.length}`);
    const flat = await runCli(['plan', ...small, '--top', '10', '--all-variants']);
    expect(flat.stdout).not.toContain('variants grouped');
    expect(flat.stdout.split('\n').find((l) => l.includes('step time'))).not.toContain('variants');
  });

  it('lists a long top from the closed form beyond the re-checked plans, and says so', async () => {
    const j = await planJson([...small, '--top', '100000', '--recheck', '4']);
    // Only the re-checked splits (and their best three variants) are event-simulated, not the whole list.
    expect(j.rechecked).toBeLessThanOrEqual(4 * 3);
    expect(j.plans).toHaveLength(j.distinctSplits);
    const methods = j.plans.map((p: any) => p.method);
    expect(methods.slice(0, 4)).toEqual(Array(4).fill('event-simulation'));
    expect(methods.slice(4).every((m: string) => m === 'closed-form')).toBe(true);
    for (const p of j.plans.slice(4)) expect(p.stepTimeSeconds).toBe(p.closedFormStepTimeSeconds);
    const later = j.plans.slice(4).map((p: any) => p.timeToTrainSeconds);
    expect([...later].sort((a, b) => a - b)).toEqual(later);
    const r = await runCli(['plan', ...small, '--top', '30', '--recheck', '4']);
    expect(r.stdout).toContain('~ 26 plans beyond the re-checked ones are closed-form estimates');
    expect(r.stdout).toMatch(/│ +~[\d.]+ (ms|s) │/);
  });

  it('keeps the --json contract', async () => {
    const j = await planJson([...small, '--top', '4']);
    for (const k of ['considered', 'prunedByMemory', 'evaluated', 'plans']) expect(j).toHaveProperty(k);
    expect(j.considered).toBe(j.rejected + j.prunedByMemory + j.evaluated);
    expect(j.plans).toHaveLength(4);
    for (const p of j.plans) {
      for (const k of ['tp', 'pp', 'dp', 'cp', 'ep', 'vp', 'mbs', 'zero', 'recompute', 'sp', 'stepTimeSeconds', 'mfu', 'peakMemoryBytesPerGpu', 'timeToTrainSeconds', 'costUsd', 'simulate']) {
        expect(p).toHaveProperty(k);
      }
      expect(p.tp * p.pp * p.dp * p.cp).toBe(16);
      expect(p.peakMemoryBytesPerGpu).toBeLessThanOrEqual(p.memoryCapacityBytesPerGpu);
    }
    const times = j.plans.map((p: any) => p.timeToTrainSeconds);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('prints plans that replay with simulate to the same figures', async () => {
    const j = await planJson([...small, '--top', '5', '--recompute', 'selective', '--overlap', 'tp,dp,pp']);
    expect(j.plans.length).toBe(5);
    for (const p of j.plans) {
      expect(p.recompute).toBe('selective');
      await expectReplays(p);
    }
  });

  it('replays plans of an inline model through the same scenario file', async () => {
    const dir = testDir('ct-plan-');
    const file = join(dir, 'tiny.yaml');
    writeFileSync(file, 'system: dgx-h100\nmodel:\n  name: tiny\n  layers: 8\n  hidden: 2048\n  heads: 16\n  vocab: 32000\ngpus: 16\nseq: 2048\ngbs: 32\ntokens: 10B\n');
    const j = await planJson(['--config', file, '--top', '2', '--zero', '1']);
    expect(j.plans[0].simulate.slice(0, 2)).toEqual(['--config', file]);
    for (const p of j.plans) await expectReplays(p);
  });

  it("finds a split of Llama 3 405B on 16,384 H100 at least as fast as Meta's TP 8 x PP 16", async () => {
    const job = ['--system', 'dgx-h100', '--model', 'llama3-405b', '--gpus', '16384', '--seq', '8192', '--gbs', '2048', '--tokens', '15.6T', '--top', '1'];
    const best = await planJson(job);
    // Meta's split (Llama 3 paper, Table 4: TP 8, CP 1, PP 16, DP 128 at sequence 8192), with its best VP, micro-batch and recompute.
    const meta = await planJson([...job, '--tp', '8', '--pp', '16', '--cp', '1']);
    expect(meta.plans[0]).toMatchObject({ tp: 8, pp: 16, cp: 1, dp: 128 });
    expect(best.considered).toBeGreaterThan(100 * meta.considered);
    expect(best.plans[0].stepTimeSeconds).toBeLessThanOrEqual(meta.plans[0].stepTimeSeconds);
    await expectReplays(best.plans[0]);
  });

  it('keeps 10% of HBM free by default, for the allocator fragmentation the memory model does not count', async () => {
    const job = ['--system', 'dgx-h100', '--model', 'llama3-405b', '--gpus', '16384', '--seq', '8192', '--gbs', '2048', '--tokens', '15.6T', '--top', '3', '--recheck', '3'];
    const held = await planJson(job);
    expect(held.maxMemoryFraction).toBe(0.9);
    for (const p of held.plans) expect(p.peakMemoryBytesPerGpu).toBeLessThanOrEqual(0.9 * p.memoryCapacityBytesPerGpu);
    // Without the headroom the best plan fills 98% of the GPU: one allocator hiccup from out of memory.
    const full = await planJson([...job, '--max-memory-fraction', '1']);
    expect(full.plans[0].peakMemoryBytesPerGpu / full.plans[0].memoryCapacityBytesPerGpu).toBeGreaterThan(0.97);
    expect(full.plans[0].stepTimeSeconds).toBeLessThan(held.plans[0].stepTimeSeconds);
    const help = spawnCli(['plan', '--help']);
    expect(help.stdout).toMatch(/--max-memory-fraction <f>[\s\S]*\(default: "0\.9"\)/);
    expect(help.stdout).toContain('GMLake');
  });

  it("finds a split of GPT-3 175B on 1,024 A100 at least as fast as Megatron's TP 8 x PP 8", async () => {
    const best = await planJson(['--top', '1']);
    // Korthikanti et al. (2022) train GPT-3 175B with TP 8 x PP 8 (the default scenario); here with its best VP and micro-batch.
    const megatron = await planJson(['--tp', '8', '--pp', '8', '--cp', '1', '--top', '1']);
    const asPublished = JSON.parse((await runCli(['simulate', '--json'])).stdout);
    expect(best.plans[0]).toMatchObject({ gpus: 1024, gbs: 1536, seq: 2048, system: 'ndm-a100-v4' });
    expect(best.plans[0].stepTimeSeconds).toBeLessThanOrEqual(megatron.plans[0].stepTimeSeconds);
    expect(megatron.plans[0].stepTimeSeconds).toBeLessThanOrEqual(asPublished.stepTimeSeconds);
  });

  it('compares GPU counts and systems, best plan at each, and marks the time-cost Pareto front', async () => {
    const j = await planJson(['--model', 'llama3-8b', '--system', 'dgx-h100,dgx-a100-80g', '--gpus', '8..32', '--seq', '4096', '--gbs', '64', '--objective', 'cost', '--zero', '1', '--top', '3']);
    expect(j.points.map((p: any) => `${p.system}:${p.gpus}`)).toEqual(['dgx-h100:8', 'dgx-h100:16', 'dgx-h100:32', 'dgx-a100-80g:8', 'dgx-a100-80g:16', 'dgx-a100-80g:32']);
    const front = j.points.filter((p: any) => p.pareto);
    expect(front.length).toBeGreaterThan(0);
    for (const p of j.points) {
      const dominated = j.points.some(
        (q: any) => q.best.timeToTrainSeconds <= p.best.timeToTrainSeconds && q.best.costUsd <= p.best.costUsd && (q.best.timeToTrainSeconds < p.best.timeToTrainSeconds || q.best.costUsd < p.best.costUsd),
      );
      expect(p.pareto).toBe(!dominated);
    }
    const cheapest = Math.min(...j.points.map((p: any) => p.best.costUsd));
    expect(j.plans[0].costUsd).toBe(cheapest);
    const r = await runCli(['plan', '--model', 'llama3-8b', '--system', 'dgx-h100,dgx-a100-80g', '--gpus', '8,16', '--seq', '4096', '--gbs', '64', '--zero', '1']);
    expect(r.stdout).toContain('Best plan at each point');
    // Each system's stated accuracy: the validation suite's record on its GPU.
    expect(r.stdout).toMatch(/Accuracy dgx-h100: \d+ published 16-bit runs on this GPU/);
    expect(r.stdout).toMatch(/Accuracy dgx-a100-80g: \d+ published 16-bit runs on this GPU/);
  });

  it('shows no figures for a point where nothing fits, and says so', async () => {
    const args = ['--model', 'llama3-70b', '--system', 'dgx-h100', '--gpus', '8,64', '--seq', '4096', '--gbs', '64', '--top', '2'];
    const j = await planJson(args);
    const empty = j.points.find((p: any) => p.gpus === 8);
    expect(empty).toMatchObject({ best: null, evaluated: 0 });
    expect(empty.prunedByMemory).toBe(empty.considered);
    for (const p of j.plans) expect(p.gpus).toBe(64);
    const r = await runCli(['plan', ...args]);
    const row = r.stdout.split('\n').find((l) => /│ dgx-h100 │ +8 │/.test(l))!;
    expect(row).toContain('no plan: nothing fits in 90% of HBM');
    expect(row).not.toMatch(/\d+(\.\d+)? (s|days|GiB)|\$/);
  });

  it.each([
    [['--tp', '7'], /^error: --tp: TP 7 must divide the model's 96 attention heads/],
    [['--gpus', '8'], /^error: --gpus: none of the [0-9,]+ valid splits of gpt3-175b fits in 71\.\d GiB per GPU \(90% of its 79\.2 GiB, the rest kept for allocator fragmentation\), so there is no plan to report/],
    [
      ['--model', 'llama3-405b', '--system', 'dgx-h100', '--gpus', '1024', '--seq', '8192', '--gbs', '512', '--tp', '8', '--pp', '32', '--cp', '1', '--mbs', '1', '--recompute', 'selective'],
      /no plan to report; 1 would fit without that headroom \(--max-memory-fraction 1\), at the risk of running out of memory/,
    ],
    [['--gpus', '64..8'], /^error: --gpus: range 64..8 ends before it starts/],
    [['--system', 'dgx-h100,'], /^error: --system: "dgx-h100," has an empty item/],
    [['--max-memory-fraction', '1.5'], /^error: --max-memory-fraction: expected a number above 0 and at most 1, got "1.5"/],
    [['--top', '0'], /^error: --top: expected a whole number of plans from 1 to 1,000,000,000, got "0"/],
    [['--recheck', '0'], /^error: --recheck: expected a whole number of configurations from 1 to 10,000, got "0"/],
    [['--objective', 'speed'], /^error: option '--objective <goal>' argument 'speed' is invalid/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    const r = await runCli(['plan', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs as a process, with help', () => {
    const r = spawnCli(['plan', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--objective');
    expect(r.stdout).toContain('512..16384');
  });

  it('states each plan\'s 80% interval, as simulate does for the same split', async () => {
    const args = ['plan', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '64', '--seq', '4096', '--gbs', '256', '--top', '2', '--threads', '1'];
    const j = JSON.parse((await runCli([...args, '--json'])).stdout);
    for (const p of j.plans) {
      expect(p.stepTimeInterval).toMatchObject({ coverage: 0.8, close: true });
      expect(p.stepTimeInterval.low).toBeLessThan(p.stepTimeInterval.high);
      expect(p.timeToTrainInterval.low / p.timeToTrainSeconds).toBeCloseTo(p.stepTimeInterval.low / p.stepTimeSeconds, 9);
    }
    expect(j.points[0].best.stepTimeInterval).toEqual(j.plans[0].stepTimeInterval);
    const sim = JSON.parse((await runCli(['simulate', ...j.plans[0].simulate, '--json'])).stdout);
    expect(j.plans[0].stepTimeInterval.basis).toBe(sim.stepTimeInterval.basis);
    expect((await runCli(args)).stdout).toMatch(/\n80% interval of plan 1: step time [\d.]+-[\d.]+ s \(from \d+ published runs in \d+ groups like this: h100-sxm-80g[^)]*\); time to train [\d.]+-[\d.]+ days\.\n/);
  });
});
