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
});
