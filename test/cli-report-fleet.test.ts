/**
 * `clustertwin report fleet` and `report facility`: their figures are fleet's and facility's --json
 * for the same flags, the charts come out as SVG files, and bad input (their commands' flags, parsed
 * by the same parser, and the output flags) is one line, exit 2, with nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import { expectUsageError, runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ct-report-fleet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FLEET = ['--gpus', '512', '--days', '3', '--generator', 'acme-seren', '--seed', '2'];
const FACILITY = ['--system', 'dgx-h100', '--gpus', '64', '--model', 'llama3-8b', '--gbs', '64'];

function figuresOf(html: string): Record<string, Record<string, number>> {
  const { document } = parseHTML(html);
  const out: Record<string, Record<string, number>> = {};
  for (const f of document.querySelectorAll('figure[data-chart]')) out[f.getAttribute('data-chart')!] = JSON.parse(f.getAttribute('data-figures')!);
  return out;
}

describe('clustertwin report fleet', () => {
  it("writes a report whose figures are fleet --json's for the same flags", async () => {
    const out = join(dir, 'fleet.html');
    const r = await runCli(['report', 'fleet', ...FLEET, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.written).toEqual([out]);
    expect(j.charts).toEqual(['fleet-gpu-hours', 'fleet-utilization', 'fleet-queue', 'fleet-queueing-delay', 'fleet-goodput']);
    const fleet = JSON.parse((await runCli(['fleet', ...FLEET, '--json'])).stdout);
    expect(j.headline.gpuHours).toEqual(fleet.gpuHours);
    expect(j.building).toEqual(fleet.building);
    const figures = figuresOf(readFileSync(out, 'utf8'));
    expect(figures['fleet-gpu-hours']!['gpuHours.busy']).toBe(fleet.gpuHours.busy);
    expect(figures['fleet-utilization']!.allocated).toBe(fleet.utilization.allocated);
    expect(figures['fleet-queueing-delay']!['513+.p99Seconds'] ?? null).toEqual(fleet.queueingDelaySeconds['513+'].p99);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`clustertwin fleet ${FLEET.join(' ')}`);
    expect(html).not.toMatch(/<script\b/i);
  });

  it('writes each chart as an SVG file into --out-dir', async () => {
    const svgDir = mkdtempSync(join(dir, 'svg-'));
    const r = await runCli(['report', 'fleet', ...FLEET, '--format', 'svg', '--out-dir', svgDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(svgDir).sort()).toEqual(['fleet-goodput.svg', 'fleet-gpu-hours.svg', 'fleet-queue.svg', 'fleet-queueing-delay.svg', 'fleet-utilization.svg']);
  });

  it("has --help with examples and fleet's flags", async () => {
    const r = await runCli(['report', 'fleet', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}clustertwin report fleet/);
    for (const flag of ['--generator', '--hot-spares', '--placement', '--format', '--out-dir', '--json']) expect(r.stdout).toContain(flag);
  });

  describe('bad input: one line, exit 2, nothing written', () => {
    const out = join(dir, 'never.html');
    const cases: Array<[string, string[], string, RegExp?]> = [
      ['--gpus not a number', ['--gpus', 'lots', '--generator', 'philly'], '--gpus'],
      ['--days 0', ['--days', '0', '--generator', 'philly'], '--days'],
      ['an unknown generator', ['--generator', 'slurm'], '--generator', /acme-seren/],
      ['an unknown placement', ['--generator', 'philly', '--placement', 'spread'], '--placement', /topology/],
      ['an unknown scheduler', ['--generator', 'philly', '--scheduler', 'lifo'], '--scheduler'],
      ['neither trace nor generator', [], '--trace', /either --trace/],
      ['a bad --hot-spares', ['--generator', 'philly', '--hot-spares', '-1'], '--hot-spares'],
      ['a bad --quota', ['--generator', 'philly', '--quota', 'a'], '--quota'],
      ['svg with --out, not a folder', ['--generator', 'philly', '--format', 'svg'], '--out', /--out-dir/],
      ['a folder for html', ['--generator', 'philly', '--out-dir', dir], '--out-dir', /--format svg/],
      ['--out in a missing folder', ['--generator', 'philly', '--out', join(dir, 'missing', 'r.html')], '--out'],
    ];
    for (const [what, args, field, message] of cases) {
      it(what, async () => {
        expectUsageError(await runCli(['report', 'fleet', '--gpus', '64', '--days', '1', ...args, ...(args.includes('--out') ? [] : ['--out', out])]), field, message);
        expect(existsSync(out)).toBe(false);
      });
    }
  });
});

describe('clustertwin report facility', () => {
  it("writes a report whose power chart carries facility --json's swing", async () => {
    const out = join(dir, 'facility.html');
    const r = await runCli(['report', 'facility', ...FACILITY, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.charts).toEqual(['facility-power']);
    const facility = JSON.parse((await runCli(['facility', ...FACILITY, '--json'])).stdout);
    const power = figuresOf(readFileSync(out, 'utf8'))['facility-power']!;
    expect(power.amplitudeMW).toBe(facility.powerSwing.amplitudeMW);
    expect(power.periodSeconds).toBe(facility.powerSwing.periodSeconds);
    expect(power.rampMWPerSecond).toBe(facility.powerSwing.rampMWPerSecond);
    expect(j.headline.facilityPowerMW).toBe(facility.facilityPowerMW);
  });

  it('writes no chart with --no-swing', async () => {
    const out = join(dir, 'noswing.html');
    const r = await runCli(['report', 'facility', '--system', 'dgx-h100', '--gpus', '64', '--no-swing', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).charts).toEqual([]);
  });

  describe('bad input: one line, exit 2, nothing written', () => {
    const out = join(dir, 'never-facility.html');
    const cases: Array<[string, string[], string, RegExp?]> = [
      ['--pue below 1', ['--pue', '0.5'], '--pue'],
      ['--failure-gpus past the job', ['--failure-gpus', '100000'], '--failure-gpus'],
      ['--power-floor above 1', ['--power-floor', '2'], '--power-floor'],
      ['svg with --out, not a folder', ['--format', 'svg'], '--out', /--out-dir/],
    ];
    for (const [what, args, field, message] of cases) {
      it(what, async () => {
        expectUsageError(await runCli(['report', 'facility', ...FACILITY, ...args, '--out', out]), field, message);
        expect(existsSync(out)).toBe(false);
      });
    }
  });
});
