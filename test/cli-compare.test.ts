import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/train-logs/${f}`, import.meta.url));
const llama = ['--system', 'dgx-h100', '--model', 'llama3-8b', '--tp', '1', '--pp', '1', '--seq', '8192'];

describe('clustertwin compare --log', () => {
  it('sets a Megatron-LM log\'s step times beside the twin\'s, after the warm-up lines', async () => {
    const r = await runCli(['compare', '--log', fixture('megatron.format.log'), ...llama, '--gpus', '64', '--gbs', '256', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ format: 'megatron', records: 10, skipped: 3, steps: [4, 10] });
    const step = j.figures.find((f: { what: string }) => f.what === 'stepTimeSeconds');
    // Lines 4-10 of the fixture: 2101.3, 2098.7, 2105.9, 2099.4, 2103.1, 2100.0, 2097.6 ms.
    expect(step.measured.median).toBeCloseTo(2.1, 6);
    expect(step.source).toBe('log');
    expect(step.error).toBeCloseTo(step.predicted / 2.1 - 1, 9);
    expect(step.inInterval).toBe(step.measured.median >= step.interval.low && step.measured.median <= step.interval.high);
    expect(j.notes).toEqual([]);
    // Tokens per GPU per second from the log's own global batch and seq_length.
    const tps = j.figures.find((f: { what: string }) => f.what === 'tokensPerSecondPerGpu');
    expect(tps.measured.median).toBeCloseTo((256 * 8192) / 2.1 / 64, 3);
  });

  it('prints a readable table and notes a batch that is not the scenario\'s', async () => {
    const r = await runCli(['compare', '--log', fixture('megatron.format.log'), ...llama, '--gpus', '64', '--gbs', '512', '--skip', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/10 step lines, the first 1 skipped as warm-up; steps 2-10 compared/);
    expect(r.stdout).toMatch(/│ step time\s+│\s+2\.10 s │ 2\.\d\d s - 2\.\d\d s\s+│\s+[\d.]+ m?s │\s+[-+]\d+\.\d% │ .* │ (yes|no)\s+│ logged/);
    expect(r.stdout).toContain("note: the log's global batch size is 256 but the scenario's is 512: not the same step (give --gbs 256)");
    expect(r.stdout).not.toMatch(/seq_length/); // the log's 8192 is the scenario's
  });

  it('converts a torchtitan log\'s tokens per second per GPU into step times with the scenario\'s batch', async () => {
    const r = await runCli(['compare', '--log', fixture('torchtitan.format.log'), ...llama, '--gpus', '8', '--gbs', '8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ format: 'torchtitan', records: 8, skipped: 3, steps: [30, 70] });
    const tps = j.figures.find((f: { what: string }) => f.what === 'tokensPerSecondPerGpu');
    expect(tps.measured.median).toBe(6115); // steps 30-70: 6121, 6098, 6115, 6130, 6107
    const step = j.figures.find((f: { what: string }) => f.what === 'stepTimeSeconds');
    expect(step.measured.median).toBeCloseTo((8 * 8192) / (6115 * 8), 9);
  });

  it('reads the real Megatron-LM excerpt of issue #756 (mid-run lines: --skip 0)', async () => {
    const r = await runCli(['compare', '--log', fixture('megatron.mixtral-8x7b.issue756.log'), '--skip', '0', '--system', 'dgx-h100', '--model', 'mixtral-8x7b', '--gpus', '16', '--ep', '8', '--gbs', '128', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const step = JSON.parse(r.stdout).figures[0];
    expect(step.measured).toEqual({ median: 5.5338, p10: expect.closeTo(5.46268, 6), p90: expect.closeTo(5.68164, 6) });
  });

  it('has --help with examples', async () => {
    const r = await runCli(['compare', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: clustertwin compare/);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('clustertwin compare --log');
  });

  it.each([
    [[], /^error: --log: give the training log to compare/],
    [['--log', 'no-such.log'], /^error: --log: cannot read no-such\.log: no such file \(ENOENT\)/],
    [['--log', fixture('README.md')], /^error: .*README\.md: no step times found/],
    [['--log', fixture('megatron.format.log'), '--skip', '-1'], /^error: --skip: expected a whole number of lines from 0 to/],
    [['--log', fixture('megatron.format.log'), '--skip', 'x'], /^error: --skip: expected a whole number/],
    [['--log', fixture('megatron.format.log'), '--skip', '10'], /^error: --skip: the log has 10 step line\(s\); skipping 10 as warm-up leaves none/],
    [['--log', fixture('megatron.format.log'), '--format', 'deepspeed'], /^error: option '--format <format>' argument 'deepspeed' is invalid/],
    [['--log', fixture('megatron.format.log'), '--format', 'torchtitan'], /^error: .*megatron\.format\.log: no torchtitan step lines found/],
    [['--log', fixture('megatron.format.log'), '--system', 'no-such-system'], /^error: .*no-such-system/],
  ])('rejects %j with exit code 2', async (args, message) => {
    const r = await runCli(['compare', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
  });
});
