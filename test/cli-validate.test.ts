import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

describe('clustertwin validate', () => {
  it('prints measured, predicted and error per case, and statistics per group', async () => {
    const r = await runCli(['validate', '--group', 'korthikanti']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/korthikanti-2022/);
    expect(r.stdout).toMatch(/measured.*predicted.*error/);
    expect(r.stdout).toMatch(/8 bounded rows: mean \|error\| \d+\.\d%, median \d+\.\d%, worst \d+\.\d%/);
  });
  it('prints the report as JSON', async () => {
    const r = await runCli(['validate', '--json', '--group', 'collectives']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.groups.map((g: { name: string }) => g.name)).toEqual(['collectives-single-node', 'collectives-multi-node']);
    expect(j.overall.cases).toBeGreaterThan(20);
  });
  it('names the groups when --group matches none, with exit 2', async () => {
    const r = await runCli(['validate', '--group', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --group: no group name contains "nope"; groups: korthikanti-2022, /);
    expect(r.stdout).toBe('');
  });
  it('prints Markdown tables, and refuses --markdown with --json', async () => {
    const md = await runCli(['validate', '--markdown', '--group', 'korthikanti']);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^\| group \| rows \| mean abs error \| median \| worst \|/);
    expect(md.stdout).toContain('<details><summary>korthikanti-2022');
    const both = await runCli(['validate', '--markdown', '--json']);
    expect(both.code).toBe(2);
  });
  it('runs the suite with one GPU preset standing in for another (--swap-gpu FROM=TO)', async () => {
    const plain = JSON.parse((await runCli(['validate', '--json', '--group', 'megatron-core-h100'])).stdout);
    const swapped = await runCli(['validate', '--json', '--group', 'megatron-core-h100', '--swap-gpu', 'h100-sxm-80g=h200-sxm-141g']);
    expect(swapped.code).toBe(0);
    const j = JSON.parse(swapped.stdout);
    // The H200 preset's faster HBM (and its own figures) move every H100 prediction; the measurements stay.
    for (const [i, row] of j.groups[0].rows.entries()) {
      expect(row.measured).toBe(plain.groups[0].rows[i].measured);
      expect(row.predicted).not.toBe(plain.groups[0].rows[i].predicted);
    }
    const table = await runCli(['validate', '--group', 'megatron-core-h100', '--swap-gpu', 'h100-sxm-80g=h200-sxm-141g']);
    expect(table.stdout).toMatch(/^GPU preset swapped: h100-sxm-80g -> h200-sxm-141g/);
    // Repeatable: each FROM=TO applies, in order.
    const two = await runCli(['validate', '--group', 'megatron-core-h100', '--swap-gpu', 'h100-sxm-80g=h200-sxm-141g', '--swap-gpu', 'a100-sxm-80g=h100-sxm-80g']);
    expect(two.code).toBe(0);
    expect(two.stdout).toMatch(/^GPU preset swapped: h100-sxm-80g -> h200-sxm-141g, a100-sxm-80g -> h100-sxm-80g/);
  });
  it('refuses a --swap-gpu that is not two known GPU presets, with exit 2 and one line', async () => {
    for (const bad of ['h100-sxm-80g', 'h100-sxm-80g=', 'h100=h200-sxm-141g', 'h100-sxm-80g=nope']) {
      const r = await runCli(['validate', '--swap-gpu', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/^error: --swap-gpu: [^\n]+\n$/);
      expect(r.stdout, bad).toBe('');
    }
  });

  it('states the bias per GPU and overall, and the intervals\' leave-one-group-out coverage', async () => {
    const j = JSON.parse((await runCli(['validate', '--json', '--group', 'fsdp'])).stdout);
    const rows = j.groups.flatMap((g: any) => g.rows).filter((r: any) => r.bounded && r.precision !== undefined && r.metric !== 'allocatedMemoryGiB');
    expect(j.bias.overall.rows).toBe(rows.length);
    expect(j.bias.byGpu.map((g: any) => g.gpu)).toEqual([...new Set(rows.map((r: any) => r.gpu))].sort());
    expect(j.bias.byGpu.reduce((n: number, g: any) => n + g.rows, 0)).toBe(rows.length);
    const c = j.bias.intervalCoverage;
    expect(c).toMatchObject({ nominal: 0.8, rows: rows.length });
    expect(c.logo).toBeCloseTo(c.inside / c.rows, 12);
    expect(c.byGroup.map((g: any) => g.group)).toEqual(j.groups.filter((g: any) => g.rows.some((r: any) => rows.includes(r))).map((g: any) => g.name));
    const text = (await runCli(['validate', '--group', 'fsdp'])).stdout;
    expect(text).toMatch(/\nBias: bounded training rows \(signed error as speed: above zero, the twin runs faster than the run did\)\n/);
    expect(text).toMatch(/│ all +│ +\d+ │ +\d+\.\d% │ +[+-]\d+\.\d% │ +\d+ of \d+ \(\d+\.\d%\) │/);
    expect(text).toMatch(/80% intervals, each group left out in turn .*: \d+ of \d+ inside \(\d+\.\d%, nominal 80%\)\n$/);
    expect((await runCli(['validate', '--markdown', '--group', 'fsdp'])).stdout).toMatch(/\n\| GPU \| rows \| predicted fast \| median signed error \| inside interval \(LOGO\) \|\n/);
  });
});
