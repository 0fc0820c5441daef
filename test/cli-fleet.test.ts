import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { testDir } from './support/temp-dir.js';

// --generator needs the workload module (src/fleet/workload/, issue #17), merged beside this command.
const BASE = ['fleet', '--system', 'nd-h100-v5', '--gpus', '512', '--days', '3', '--generator', 'acme-seren', '--seed', '2'];

describe('clustertwin fleet', () => {
  it('has help with an example', async () => {
    const r = await runCli(['fleet', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('clustertwin fleet --system nd-h100-v5');
    expect(r.stdout).toContain('--placement');
  });

  it('prints the --json contract, GPU-hours summing to GPUs x hours', async () => {
    const r = await runCli([...BASE, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['busy', 'lostToFailure', 'idle', 'failedOrRepair', 'spare']) expect(typeof j.gpuHours[k]).toBe('number');
    const sum = Object.values(j.gpuHours as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(512 * 3 * 24, 4);
    for (const k of ['submitted', 'finished', 'running', 'queued', 'rejected']) expect(Number.isInteger(j.jobs[k])).toBe(true);
    expect(j.jobs.submitted).toBeGreaterThan(100);
    expect(j.jobs.finished + j.jobs.running + j.jobs.queued + j.jobs.rejected).toBe(j.jobs.submitted);
    expect(j.utilization.allocated).toBeGreaterThan(0);
    expect(Object.keys(j.queueingDelaySeconds)).toEqual(['1-8', '9-64', '65-512', '513+']);
    expect(j.revenueUsd).toBeGreaterThan(0);
    expect(j.energyMWh).toBeGreaterThan(0);
    expect(j.goodput.all).toBeGreaterThan(0.5);
    // A quota of 64 GPUs on the generator's one tenant caps what it holds, so it uses less.
    const capped = JSON.parse((await runCli([...BASE, '--quota', 'acme-seren=64', '--json'])).stdout);
    expect(capped.utilization.allocated).toBeLessThanOrEqual(64 / 512 + 1e-9);
    expect(capped.jobs.rejectedBecause["larger than its tenant's quota"]).toBeGreaterThan(0);
  });

  it("carries the building the fleet's GPUs need, as clustertwin facility sizes it", async () => {
    const fleet = JSON.parse((await runCli([...BASE, '--json'])).stdout);
    const facility = JSON.parse((await runCli(['facility', '--system', 'nd-h100-v5', '--gpus', '512', '--no-swing', '--json'])).stdout);
    expect(fleet.building.itPowerDesignMW).toBeCloseTo(facility.itPower.design.totalMW, 9);
    expect(fleet.building.facilityPowerMW).toBeCloseTo(facility.facilityPowerMW, 9);
    expect(fleet.building.racks).toBe(facility.racks.total);
    expect(fleet.building.capexUsd).toBeCloseTo(facility.capexUsd.total, 3);
  });

  it('prints a readable report', async () => {
    const r = await runCli(BASE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('GPU-hours by state');
    expect(r.stdout).toContain('By job size (GPUs)');
  });

  it('runs a trace whose training job takes its duration from the step model', async () => {
    const file = join(testDir('fleet'), 'jobs.csv');
    writeFileSync(file, 'id,submit,gpus,duration_seconds,model,tokens,tp,pp,priority,tenant\na,0,64,,llama3-8b,2e10,1,1,normal,x\nb,60,16,3600,,,,,high,y\n');
    const r = await runCli(['fleet', '--gpus', '256', '--days', '2', '--trace', file, '--json']);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j.jobs).toMatchObject({ submitted: 2, finished: 2 });
    // The 16-GPU job's hour, plus the training job's time: more than the hour alone.
    expect(j.gpuHours.busy).toBeGreaterThan(16 + 64 * 0.1);
    // One training job, priced by the step model where it landed; the duration-only job is not placement-sensitive.
    expect(j.placementSlowdown).toMatchObject({ fromStepModel: true, trainingJobs: 1, durationOnlyJobs: 1, trainingStarts: 1 });
    expect(j.placementSlowdown.mean).toBeGreaterThanOrEqual(1);
    const text = await runCli(['fleet', '--gpus', '256', '--days', '2', '--trace', file]);
    expect(text.stdout).toMatch(/placement slowdown.*1 duration-only jobs are not placement-sensitive/);
    const missing = await runCli(['fleet', '--gpus', '256', '--days', '2', '--trace', join(testDir('fleet'), 'none.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: --trace: cannot read/);
  });

  it('fails with one line naming the flag', async () => {
    for (const [args, flag] of [
      [['--scheduler', 'lottery'], '--scheduler'],
      [['--gpus', '4'], '--gpus'],
      [['--days', '0'], '--days'],
      [['--hot-spares', '64'], '--hot-spares'],
      [['--quota', 'acme'], '--quota'],
      [['--placement', 'scatter'], '--placement'],
      [['--generator', 'borg'], '--generator'],
      [['--seed', 'x'], '--seed'],
    ] as const) {
      const r = await runCli([...BASE, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(flag);
    }
    const none = await runCli(['fleet', '--gpus', '512', '--days', '3']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--trace');
  });
});
