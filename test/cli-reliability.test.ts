import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './support/cli.js';

const LLAMA = ['--system', 'dgx-h100', '--model', 'llama3-405b', '--gpus', '16384', '--tp', '8', '--pp', '16', '--seq', '8192', '--gbs', '2048'];

describe('clustertwin reliability', () => {
  it('prints the --json contract for a 54-day window', async () => {
    const r = await runCli(['reliability', ...LLAMA, '--days', '54', '--trials', '50', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    for (const key of ['interruptions', 'interruptionsPerDay', 'byCause', 'goodput', 'checkpointIntervalSeconds', 'optimalCheckpointIntervalSeconds']) {
      expect(j).toHaveProperty(key);
    }
    expect(j.interruptions).toBeGreaterThan(419 * 0.85);
    expect(j.interruptions).toBeLessThan(419 * 1.15);
    expect(j.interruptionsPerDay).toBeCloseTo(j.interruptions / 54, 6);
    expect(j.byCause['faulty-gpu']).toBeGreaterThan(100);
    expect(j.goodput).toBeGreaterThan(0.5);
    expect(j.goodput).toBeLessThan(1);
    expect(j.horizon).toEqual({ kind: 'window', seconds: 54 * 86400 });
    expect(j.monteCarlo.trials).toBe(50);
    expect(j.checkpointIntervalSeconds).toBeCloseTo(j.optimalCheckpointIntervalSeconds, 6);
  });

  it('marks a job that does not fit in memory, and not one that does', async () => {
    // Meta's split without its memory savings does not fit the twin's 80 GB; with full recompute it does.
    const marked = await runCli(['reliability', ...LLAMA, '--days', '54', '--trials', '0']);
    expect(marked.stdout.split('\n')[1]).toMatch(/^does not fit in GPU memory \(80\.7 GiB of 79\.2 GiB\): the interruptions and checkpoints below hold .* not achievable as configured$/);
    expect(JSON.parse((await runCli(['reliability', ...LLAMA, '--days', '54', '--trials', '0', '--json'])).stdout)).toMatchObject({ fitsInMemory: false, achievable: false });
    const fits = await runCli(['reliability', ...LLAMA, '--recompute', 'full', '--days', '54', '--trials', '0']);
    expect(fits.stdout).not.toContain('does not fit');
    expect(JSON.parse((await runCli(['reliability', ...LLAMA, '--recompute', 'full', '--days', '54', '--trials', '0', '--json'])).stdout).achievable).toBe(true);
  });

  it('gives the same answer for the same seed and another for another seed', async () => {
    const args = ['reliability', ...LLAMA, '--days', '10', '--trials', '30', '--json'];
    const a = JSON.parse((await runCli([...args, '--seed', '4'])).stdout);
    const b = JSON.parse((await runCli([...args, '--seed', '4'])).stdout);
    const c = JSON.parse((await runCli([...args, '--seed', '5'])).stdout);
    expect(b.monteCarlo).toEqual(a.monteCarlo);
    expect(c.monteCarlo.goodput).not.toEqual(a.monteCarlo.goodput);
  });

  it('studies the token budget by default, and takes the checkpoint options', async () => {
    const r = await runCli(['reliability', '--checkpoint-interval', '20m', '--async-checkpoint', '--hot-spares', '3', '--trials', '0', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.horizon.kind).toBe('work');
    expect(j).toMatchObject({ tokens: 300e9, tokensSource: 'model preset' });
    expect(j.horizon.seconds).toBeCloseTo(j.failureFreeTimeToTrainSeconds, 6);
    expect(j.wallSeconds).toBeGreaterThan(j.failureFreeTimeToTrainSeconds);
    expect(j.checkpointIntervalSeconds).toBe(1200);
    expect(j.checkpoint.async).toBe(true);
    expect(j.hotSpareNodes).toBe(3);
    expect(j.monteCarlo).toBeUndefined();
  });

  it('gains goodput with faster checkpoint storage and loses it with more failures', async () => {
    const run = async (extra: string[]) => JSON.parse((await runCli(['reliability', ...LLAMA, '--days', '54', '--trials', '0', '--json', ...extra])).stdout).goodput as number;
    const base = await run([]);
    expect(await run(['--checkpoint-write-gbps', '2000', '--checkpoint-read-gbps', '2000'])).toBeGreaterThan(base);
    expect(await run(['--failure-rate-scale', '2'])).toBeLessThan(base);
    expect(await run(['--failure-model', 'meta-rsc-a100'])).toBeLessThan(base);
  });

  it('prints a readable report', async () => {
    const r = await runCli(['reliability', ...LLAMA, '--days', '54', '--trials', '20']);
    expect(r.code).toBe(0);
    for (const text of ['failure model default', 'Interruptions (expected)', 'Faulty GPU', 'Young/Daly', 'optimal', 'Goodput', 'Monte Carlo: 20 trials', 'Checkpoint interval sweep', '(used)']) {
      expect(r.stdout).toContain(text);
    }
  });

  it('shows the time to train with failures in simulate', async () => {
    const r = await runCli(['simulate', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.timeToTrainWithFailuresSeconds).toBeGreaterThan(j.timeToTrainSeconds);
    expect(j.goodput).toBeCloseTo(j.timeToTrainSeconds / j.timeToTrainWithFailuresSeconds, 9);
    expect(j.expectedInterruptions).toBeGreaterThan(0);
    expect(j.checkpointIntervalSeconds).toBeGreaterThan(0);
    expect((await runCli(['simulate'])).stdout).toMatch(/time to train +[\d.]+ days +[\d.]+ days/);
  });

  it.each([
    [['--days', '0'], /^error: --days: expected a number of days above 0 and at most 36,500, got "0"/],
    [['--days', 'soon'], /^error: --days: expected a number of days above 0/],
    [['--checkpoint-interval', 'often'], /^error: --checkpoint-interval: expected a duration such as 600, 45s, 20m, 1.5h or 2d, above 0 to 3650d, got "often"/],
    [['--hot-spares', '-1'], /^error: --hot-spares: expected a whole number of nodes \(or auto\) from 0 to 1,000,000, got "-1"/],
    [['--hot-spares', '2.5'], /^error: --hot-spares: expected a whole number of nodes \(or auto\)/],
    [['--trials', 'many'], /^error: --trials: expected a whole number of trials/],
    [['--seed', '1.5'], /^error: --seed: expected a whole number from -1e15 to 1e15, got "1.5"/],
    [['--failure-model', 'llama'], /^error: --failure-model: unknown reliability preset "llama"; nearest: /],
    [['--checkpoint-write-gbps', '0'], /^error: --checkpoint-write-gbps: expected a number of GB\/s above 0/],
    [['--restart', 'later'], /^error: --restart: expected a duration/],
    [['--tp', '7'], /^error: --tp: TP 7 must divide/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    const r = await runCli(['reliability', '--trials', '0', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('has --help', async () => {
    const r = await runCli(['reliability', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--days', '--checkpoint-interval', '--trials', '--seed', '--hot-spares', '--async-checkpoint', '--json', '--system']) expect(r.stdout).toContain(flag);
  });

  it('draws no progress bar when output is not a terminal', () => {
    const r = spawnCli(['reliability', '--days', '5', '--trials', '200']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Monte Carlo: 200 trials');
  });

  it("states the step time's 80% interval, and its ratios on the expected time to train", async () => {
    const args = ['reliability', '--model', 'llama3-70b', '--gpus', '1024', '--trials', '0'];
    const j = JSON.parse((await runCli([...args, '--json'])).stdout);
    const sim = JSON.parse((await runCli(['simulate', '--model', 'llama3-70b', '--gpus', '1024', '--json'])).stdout);
    expect(j.stepTimeInterval).toEqual(sim.stepTimeInterval);
    expect(j.timeToTrainInterval.low / j.wallSeconds).toBeCloseTo(j.stepTimeInterval.low / j.stepTimeSeconds, 9);
    expect(j.timeToTrainInterval.high / j.wallSeconds).toBeCloseTo(j.stepTimeInterval.high / j.stepTimeSeconds, 9);
    expect((await runCli(args)).stdout).toMatch(/\nGoodput [^\n]*time to train [\d.]+ days\n  80% interval: [\d.]+-[\d.]+ days, the step time's \([\d.]+-[\d.]+ s\) applied to the time to train \(from /);
  });
});
