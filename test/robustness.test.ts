/**
 * Issue #13's reproductions, each one a test: every input that once hung, exhausted the heap,
 * clobbered a file, crashed or printed an impossible number now ends with a physical answer or
 * one line naming the field, exit code 2. The per-test timeout is the hang guard; nothing here
 * asserts on wall-clock time.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectUsageError, runCli } from './support/cli.js';
import { testDir } from './support/temp-dir.js';

const HYPERSCALE = fileURLToPath(new URL('./fixtures/hyperscale-system.yaml', import.meta.url));
const LLAMA_405B = ['--system', 'dgx-h100', '--model', 'llama3-405b', '--gpus', '16384', '--tp', '8', '--pp', '16', '--vp', '2', '--seq', '8192', '--gbs', '2048', '--tokens', '15.6T'];
const HANG_GUARD_MS = 30_000;

describe('hangs (issue #13, 1)', () => {
  it('a million GPUs on a fabric that holds them: a physical answer', { timeout: HANG_GUARD_MS }, async () => {
    const r = await runCli(['simulate', '--config', HYPERSCALE, '--model', 'llama3-8b', '--gpus', '1048576', '--gbs', '1048576', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.config.execution.gpus).toBe(1_048_576);
    expect(j.stepTimeSeconds).toBeGreaterThan(0);
    expect(Number.isFinite(j.timeToTrainWithFailuresSeconds)).toBe(true);
    expect(j.hfu).toBeLessThanOrEqual(1);
  });

  it('a million GPUs on dgx-h100, whose fabric holds 65,536: one line naming --gpus', { timeout: HANG_GUARD_MS }, async () => {
    expectUsageError(await runCli(['simulate', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '1048576', '--gbs', '1048576']), '--gpus', /holds 8,192 \(65,536 GPUs\)/);
  });

  it('sixty times the failure rate on the 405B job: a report, the Monte Carlo trimmed to its budget', { timeout: HANG_GUARD_MS }, async () => {
    const r = await runCli(['reliability', ...LLAMA_405B, '--failure-rate-scale', '60', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.hotSpareNodes).toBeGreaterThan(0);
    expect(j.monteCarloLimit.trials).toBeLessThan(j.monteCarloLimit.requestedTrials);
    expect(j.monteCarlo.trials).toBe(j.monteCarloLimit.trials);
  });

  it('a 100,000-GPU reliability study', { timeout: HANG_GUARD_MS }, async () => {
    const r = await runCli(['reliability', '--config', HYPERSCALE, '--model', 'llama3-70b', '--gpus', '100000', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.components.gpu).toBe(100_000);
    expect(j.goodput).toBeGreaterThan(0);
    expect(j.goodput).toBeLessThan(1);
  });

  it.each([
    [['plan', '--model', 'llama3-8b', '--gpus', '8..1e9'], '--gpus'],
    [['plan', '--max-gpus', '1e9'], '--max-gpus'],
    [['sweep', '--set', 'gpus=1e7'], '--set'],
  ])('%j: one line, exit 2', { timeout: HANG_GUARD_MS }, async (args, field) => {
    expectUsageError(await runCli(args), field, /4,194,304/);
  });
});

describe('heap exhaustion and internal errors (issue #13, 3 and 4)', () => {
  it.each([
    [['simulate', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '64', '--gbs', '1e9'], '--gbs'],
    [['simulate', '--gbs', '1e15'], '--gbs'],
    [['reliability', '--days', '1e308'], '--days'],
    [['sweep', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '64', '--set', 'gbs=1..1e9'], '--set'],
    [['simulate', '--tokens', '1e308'], '--tokens'],
    [['simulate', '--seq', '1e9'], '--seq'],
    // Found by the fuzz suite: a bucket of 1e-308 parameters made Infinity gather calls and deadlocked the schedule.
    [['simulate', '--zero-bucket-params', '1e-308'], '--zero-bucket-params'],
  ])('%j: refused before any work', { timeout: HANG_GUARD_MS }, async (args, field) => {
    expectUsageError(await runCli(args), field, /expected .*(from [01] to|at most)/);
  });

  it('a batch within bounds but past what the step simulation takes is refused, naming --gbs', async () => {
    expectUsageError(await runCli(['simulate', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '8', '--tp', '8', '--pp', '1', '--gbs', '16M']), '--gbs', /passes the step simulation takes/);
  });

  it('a 100 MB-class system name is refused, and not echoed back whole', async () => {
    const name = 'x'.repeat(100_000);
    const r = await runCli(['simulate', '--system', name]);
    expectUsageError(r, '--system');
    expect(r.stderr.length).toBeLessThan(500);
  });
});

describe('impossible answers (issue #13, 5)', () => {
  it('HFU stays at most 100% at the longest sequences', async () => {
    for (const seq of ['8192', '1M', '134217728']) {
      const r = await runCli(['simulate', '--system', 'ndm-a100-v4', '--model', 'llama3-8b', '--gpus', '8', '--seq', seq, '--gbs', '8', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.hfu).toBeGreaterThan(0);
      expect(j.hfu).toBeLessThanOrEqual(1);
    }
  });

  it('a collective over one GPU is refused rather than printing Infinity and NaN', async () => {
    expectUsageError(await runCli(['collective', '--gpus', '1']), '--gpus', /from 2/);
  });

  it('the analytical network refuses what the fabric cannot hold, as the flow one does', async () => {
    for (const network of ['analytical', 'flow']) {
      expectUsageError(await runCli(['collective', '--system', 'dgx-h100', '--gpus', '131072', '--network', network]), '--gpus', /65,536 GPUs/);
    }
    expectUsageError(await runCli(['collective', '--system', 'dgx-h100', '--gpus', '1e9']), '--gpus');
  });

  it('an inline system of 3-GPU nodes does not take 8 GPUs as 3 nodes', async () => {
    const dir = testDir();
    const file = join(dir, 'odd.yaml');
    const system = readFileSync(HYPERSCALE, 'utf8').replace('gpusPerNode: 8', 'gpusPerNode: 3').replace('nicsPerNode: 8', 'nicsPerNode: 3');
    writeFileSync(file, `${system}model: llama3-8b\ngpus: 8\n`);
    expectUsageError(await runCli(['simulate', '--config', file]), '--gpus', /not whole nodes of 3/);
  });

  it('no failures (--failure-rate-scale 0) prints no "Infinity"', async () => {
    const r = await runCli(['reliability', '--failure-rate-scale', '0', '--trials', '20']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/Infinity|NaN/);
    expect(r.stdout).toMatch(/unplanned +none/);
  });
});

describe('messages (issue #13, 6)', () => {
  it('an unknown key in a config file says "unknown"', async () => {
    const dir = testDir();
    const file = join(dir, 'x.yaml');
    writeFileSync(file, 'foo: 1\nbar: 2\n');
    expectUsageError(await runCli(['simulate', '--config', file]), `${file}: unknown fields foo, bar`);
  });

  it.each([
    [['simulate', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '64', '--tp', '7'], '--tp', /TP 7 must divide the model's 32 attention heads/],
    [['simulate', '--gpus', '-8'], '--gpus', /from 1 to .*got "-8"/],
    [['collective', '--links'], '--links', /needs --network flow/],
    [['simulate', '--overlap', ''], '--overlap', /empty/],
    [['simulate', '--timeline'], '--timeline', /--json/],
    [['reliability', '--days', '3', '--tokens', '1T'], '--days', /not both/],
  ])('%j names its field', async (args, field, message) => {
    expectUsageError(await runCli(args), field, message);
  });

  it('--trials 1e6 is a count like any other', { timeout: HANG_GUARD_MS }, async () => {
    const r = await runCli(['reliability', '--trials', '1e6', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).monteCarloLimit?.requestedTrials ?? 1e6).toBe(1e6);
  });

  it('validate --swap-gpu to a GPU without FP8 leaves out the FP8 cases instead of aborting', { timeout: 60_000 }, async () => {
    const r = await runCli(['validate', '--swap-gpu', 'h100-sxm-80g=a100-sxm-40g', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.skipped.length).toBeGreaterThan(0);
    expect(j.skipped[0].reason).toMatch(/fp8/);
    expect(j.groups.length).toBeGreaterThan(10);
  });
});

describe('config files (issue #13, 4 and 6)', () => {
  it('a .json config is read as strict JSON: a trailing comma is an error', async () => {
    const dir = testDir();
    const file = join(dir, 'run.json');
    writeFileSync(file, '{"gpus": 64, "model": "llama3-8b", "system": "dgx-h100",}');
    expectUsageError(await runCli(['simulate', '--config', file]), '--config', /not valid JSON/);
    writeFileSync(file, '{"gpus": 64, "model": "llama3-8b", "system": "dgx-h100"}');
    expect((await runCli(['simulate', '--config', file, '--json'])).code).toBe(0);
  });

  it('a YAML "billion laughs" is refused as a config error', async () => {
    const dir = testDir();
    const file = join(dir, 'lol.yaml');
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    expectUsageError(await runCli(['simulate', '--config', file]), '--config', /alias|not a valid scenario file/i);
  });

  it('a config file over 1 MiB, a deeply nested one, a folder and /dev/zero are refused', async () => {
    const dir = testDir();
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `model: "${'x'.repeat(1_100_000)}"\n`);
    expectUsageError(await runCli(['simulate', '--config', big]), '--config', /larger than 1024 KiB/);
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, `${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expectUsageError(await runCli(['simulate', '--config', deep]), '--config');
    expectUsageError(await runCli(['simulate', '--config', dir]), '--config', /folder/);
    expectUsageError(await runCli(['simulate', '--config', '/dev/zero']), '--config', /larger than/);
  });
});

describe('--out writes its file whole or not at all, and nothing else (issue #13, 2)', () => {
  const sweep = (out: string) => runCli(['sweep', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '64', '--set', 'gbs=256,512', '--out', out]);
  /** Every entry under dir, with its kind, for "nothing else changed". */
  const listing = (dir: string): string[] => readdirSync(dir).sort().map((n) => `${n}:${lstatSync(join(dir, n)).isSymbolicLink() ? 'link' : lstatSync(join(dir, n)).isFIFO() ? 'fifo' : lstatSync(join(dir, n)).isDirectory() ? 'dir' : 'file'}`);

  it('a regular file is replaced whole, and no temporary is left', async () => {
    const dir = testDir();
    const out = join(dir, 'rows.csv');
    writeFileSync(out, 'old\n');
    const r = await sweep(out);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^gbs,/);
    expect(listing(dir)).toEqual(['rows.csv:file']);
  });

  it('a symlink stays a link and its target gets the rows', async () => {
    const dir = testDir();
    const target = join(dir, 'target.csv');
    writeFileSync(target, 'old\n');
    const link = join(dir, 'link.csv');
    symlinkSync(target, link);
    const r = await sweep(link);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toMatch(/^gbs,/);
    expect(listing(dir)).toEqual(['link.csv:link', 'target.csv:file']);
  });

  it('a dangling symlink, a folder, and a FIFO with no reader are refused and left as they were', async () => {
    const dir = testDir();
    const dangling = join(dir, 'dangling.csv');
    symlinkSync(join(dir, 'nowhere.csv'), dangling);
    expectUsageError(await sweep(dangling), '--out', /points nowhere/);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    expectUsageError(await sweep(folder), '--out', /is a folder/);
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expectUsageError(await sweep(fifo), '--out', /nothing is reading/);
    expect(listing(dir)).toEqual(['dangling.csv:link', 'folder:dir', 'pipe:fifo']);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('a device is written through, never replaced: /dev/null takes the rows, /dev/full fails with ENOSPC', async () => {
    expect((await sweep('/dev/null')).code).toBe(0);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    if (existsSync('/dev/full')) {
      expectUsageError(await sweep('/dev/full'), '--out', /no space left/);
      expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
    }
  });

  it('a folder that cannot be written leaves nothing behind', async () => {
    // As root, permissions do not stop a write; /proc refuses new files to everyone.
    expectUsageError(await sweep('/proc/ct-rows.csv'), '--out', /cannot write/);
    expect(existsSync('/proc/ct-rows.csv')).toBe(false);
    const dir = testDir();
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const r = await sweep(join(ro, 'rows.csv'));
    if (process.getuid?.() !== 0) expectUsageError(r, '--out', /permission denied/);
    chmodSync(ro, 0o755);
    expect(readdirSync(ro).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
