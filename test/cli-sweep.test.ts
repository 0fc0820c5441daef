import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { testDir } from './support/temp-dir.js';

const job = ['--system', 'dgx-h100', '--model', 'llama3-70b', '--gpus', '256', '--tp', '8', '--pp', '4', '--seq', '4096', '--gbs', '256'];

const parseCsv = (text: string): Array<Record<string, string>> => {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
};

describe('clustertwin sweep', () => {
  it('writes one CSV row per combination, varied fields first', async () => {
    const r = await runCli(['sweep', ...job, '--set', 'node.nicGbps=200,400', '--set', 'gbs=256,512']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0].startsWith('node.nicGbps,gbs,system,model,gpus,seq,tp,pp,dp,')).toBe(true);
    const rows = parseCsv(r.stdout);
    expect(rows.map((x) => `${x['node.nicGbps']}/${x.gbs}`)).toEqual(['200/256', '200/512', '400/256', '400/512']);
    for (const row of rows) expect(row.error).toBe('');
    // Twice the batch, about twice the step.
    expect(Number(rows[1].stepTimeSeconds) / Number(rows[0].stepTimeSeconds)).toBeGreaterThan(1.5);
  });

  it('gives each row the figures simulate gives for the same scenario', async () => {
    const r = await runCli(['sweep', ...job, '--set', 'gbs=128,512', '--json']);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const sim = JSON.parse((await runCli(['simulate', ...job, '--gbs', String(row.gbs), '--json'])).stdout);
      for (const k of ['stepTimeSeconds', 'mfu', 'peakMemoryBytesPerGpu', 'timeToTrainSeconds', 'costUsd']) expect(row[k]).toBe(sim[k]);
    }
  });

  it('records what the engine refuses as the row error and goes on', async () => {
    const r = await runCli(['sweep', ...job, '--set', 'tp=3,8', '--json']);
    expect(r.code).toBe(0);
    const [bad, good] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(bad.error).toMatch(/TP 3 must divide/);
    expect(bad.stepTimeSeconds).toBeNull();
    expect(good.error).toBeNull();
    expect(good.tp).toBe(8);
  });

  it('chooses each row\'s split with the planner when asked', async () => {
    const r = await runCli(['sweep', '--model', 'llama3-8b', '--gpus', '16', '--seq', '4096', '--gbs', '64', '--set', 'system=dgx-a100-80g,dgx-h100', '--plan', '--json']);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.system)).toEqual(['dgx-a100-80g', 'dgx-h100']);
    for (const row of rows) expect(row.fitsInMemory).toBe(true);
    expect(rows[1].stepTimeSeconds).toBeLessThan(rows[0].stepTimeSeconds);
  });

  it('writes --out whole, and nothing when the input is bad', async () => {
    const dir = testDir('ct-sweep-');
    const ok = join(dir, 'ok.csv');
    const r = await runCli(['sweep', ...job, '--set', 'fabric.oversubscription=1,2', '--out', ok]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(parseCsv(readFileSync(ok, 'utf8'))).toHaveLength(2);
    const bad = join(dir, 'bad.csv');
    const e = await runCli(['sweep', ...job, '--set', 'node.nicGbps=400,0', '--out', bad]);
    expect(e.code).toBe(2);
    expect(e.stderr.trim()).toBe('error: --set: node.nicGbps=0: system.node.nicGbps: expected a number above 0 (from 1e-6 to 1e9 of its unit)');
    expect(existsSync(bad)).toBe(false);
  });

  it.each([
    [['--set', 'node.nicGbs=1'], /^error: --set: unknown field system\.node\.nicGbs; fields of system\.node: /],
    [['--set', 'speed=1'], /^error: --set: unknown field "speed"/],
    [[], /^error: --set: give at least one field to vary/],
    [['--set', 'gpu=h999'], /^error: --set: gpu=h999: system\.gpu: unknown gpu preset "h999"/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    const r = await runCli(['sweep', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it("gives each row simulate's 80% interval: objects in JSON lines, columns in CSV", async () => {
    const rows = (await runCli(['sweep', ...job, '--set', 'tp=3,8', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows[0].stepTimeInterval).toBeNull();
    const sim = JSON.parse((await runCli(['simulate', ...job, '--json'])).stdout);
    expect(rows[1].stepTimeInterval).toEqual(sim.stepTimeInterval);
    expect(rows[1].timeToTrainInterval).toEqual(sim.timeToTrainInterval);
    const csv = (await runCli(['sweep', ...job, '--set', 'tp=8'])).stdout.trim().split('\n');
    expect(csv[0].endsWith(',error,stepTimeLowSeconds,stepTimeHighSeconds,timeToTrainLowSeconds,timeToTrainHighSeconds,intervalRuns,intervalBasis')).toBe(true);
    expect(csv[1]).toContain(`,${sim.stepTimeInterval.low},${sim.stepTimeInterval.high},${sim.timeToTrainInterval.low},${sim.timeToTrainInterval.high},${sim.stepTimeInterval.runs},"${sim.stepTimeInterval.basis}"`);
  });
});
