import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const LLAMA = ['--system', 'dgx-h100', '--gpus', '16384', '--model', 'llama3-405b', '--tp', '8', '--pp', '16', '--seq', '8192', '--gbs', '2048', '--recompute', 'full'];

describe('clustertwin facility', () => {
  it('prints the --json contract', async () => {
    const r = await runCli(['facility', ...LLAMA, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    for (const key of ['itPowerMW', 'facilityPowerMW', 'racks', 'powerPerRackKW', 'cooling', 'switches', 'cables', 'capexUsd', 'opexUsdPerYear', 'powerSwing']) expect(j).toHaveProperty(key);
    for (const key of ['amplitudeMW', 'periodSeconds', 'rampMWPerSecond']) expect(j.powerSwing[key]).toBeGreaterThan(0);
    expect(j.switches).toMatchObject({ leaf: 512, spine: 512, core: 256 });
    expect(j.facilityPowerMW).toBeCloseTo(j.itPowerMW * 1.1, 6);
    expect(j.capexUsd.total).toBeCloseTo(j.capexUsd.compute + j.capexUsd.network + j.capexUsd.storage + j.capexUsd.building, 0);
  });

  it('takes --pue, --ups and --no-swing', async () => {
    const a = JSON.parse((await runCli(['facility', '--system', 'dgx-h100', '--gpus', '4096', '--no-swing', '--json'])).stdout);
    const b = JSON.parse((await runCli(['facility', '--system', 'dgx-h100', '--gpus', '4096', '--no-swing', '--pue', '1.5', '--ups', '2N', '--json'])).stdout);
    expect(a.powerSwing).toBeUndefined();
    expect(b.pue).toBe(1.5);
    expect(b.facilityPowerMW).toBeGreaterThan(a.facilityPowerMW);
    expect(b.ups.installedKva).toBeGreaterThan(a.ups.installedKva);
  });

  it('prints readable tables', async () => {
    const r = await runCli(['facility', ...LLAMA]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/IT power/);
    expect(r.stdout).toMatch(/power per rack\s+40\.8 kW rated/);
    expect(r.stdout).toMatch(/Power swing/);
    expect(r.stdout).toMatch(/Not modelled:/);
  });

  it('has --help with an example', async () => {
    const r = await runCli(['facility', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/clustertwin facility --system dgx-h100 --gpus 16384/);
  });

  it.each([
    [['--gbs', '600000'], /^error: --gbs: the step has 150,000 micro-batch passes .*give --no-swing$/],
    [['--failure-gpus', '2000'], /^error: --failure-gpus: a failure stops at most the job's 1,024 GPUs, got 2,000$/],
  ])('rejects %j for the power swing with one line and exit code 2', async (args, message) => {
    const r = await runCli(['facility', '--system', 'dgx-h100', '--gpus', '1024', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });

  it.each([
    [['--pue', '0.5'], /^error: --pue: expected a number from 1 to 10, got "0\.5"/],
    [['--failure-gpus', 'many'], /^error: --failure-gpus: /],
    [['--energy-price', '-3'], /^error: --energy-price: /],
    [['--ups', '3N'], /^error: option '--ups <r>' argument '3N' is invalid\. Allowed choices are N, N\+1, 2N/],
    [['--generators', '3N'], /^error: option '--generators <r>' argument '3N' is invalid/],
    [['--power-floor', '2'], /^error: --power-floor: /],
    [['--gpus', '10000000'], /^error: --gpus: expected a whole number/],
    [['--gpus', '100000'], /^error: --gpus: 100,000 GPUs need 12,500 nodes/],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    const r = await runCli(['facility', '--system', 'dgx-h100', '--gpus', '1024', '--no-swing', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
