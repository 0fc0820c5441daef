import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

describe('clustertwin collective', () => {
  it('prints an nccl-tests style sweep', async () => {
    const r = await runCli(['collective', '--system', 'nd-h100-v5', '--gpus', '8', '--min-bytes', '1K', '--max-bytes', '8G']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/size.*time \(us\).*algbw \(GB\/s\).*busbw \(GB\/s\)/);
    expect(r.stdout.split('\n').filter((l) => /^│\s+\d+[KMG]?\s+│/.test(l))).toHaveLength(24);
  });
  it('prints {bytes, timeSeconds, algbwGBps, busbwGBps} with --json, busbw as nccl-tests defines it', async () => {
    const r = await runCli(['collective', '--op', 'allgather', '--system', 'ndm-a100-v4', '--gpus', '16', '--min-bytes', '1M', '--max-bytes', '1G', '--step-factor', '4', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<Record<string, number>>;
    expect(rows.map((x) => x.bytes)).toEqual([2 ** 20, 2 ** 22, 2 ** 24, 2 ** 26, 2 ** 28, 2 ** 30]);
    for (const x of rows) {
      expect(x.algbwGBps).toBeCloseTo(x.bytes / x.timeSeconds / 1e9, 9);
      expect(x.busbwGBps).toBeCloseTo((x.algbwGBps * 15) / 16, 9);
    }
  });
  it('runs the flow-level model and reports the busiest links', async () => {
    const r = await runCli(['collective', '--system', 'dgx-h100', '--gpus', '256', '--min-bytes', '1G', '--max-bytes', '1G', '--algo', 'ring', '--network', 'flow', '--links']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Busiest links at 1G');
    expect(r.stdout).toMatch(/nic\d -> leaf\d+/);
  });
  it.each([
    [['--op', 'allsum'], /^error: option '--op <op>' argument 'allsum' is invalid/],
    [['--min-bytes', 'lots'], /^error: --min-bytes: expected a size from 1 to 1T, such as 1K, 64M or 8G/],
    [['--gpus', '8', '--algo', 'tree'], /^error: --algo: tree cannot run allreduce on 8 GPUs over 1 NVLink domain/],
    [['--system', 'dgx-a100-80g', '--algo', 'nvls'], /^error: --algo: nvls cannot run/],
  ])('rejects %j with exit code 2', async (args, message) => {
    const r = await runCli(['collective', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(message);
  });
});
