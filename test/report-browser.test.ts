/**
 * The written report in a real headless Chromium (Debian's, driven by
 * playwright-core) with every network request blocked: it loads with no
 * console error, every chart's figure holds a rendered <svg> of non-zero
 * size, and the page attempts no request beyond its own file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from '../scripts/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { loadOffline } from './support/offline-page.js';
import { testDir } from './support/temp-dir.js';

const hasChromium = existsSync(CHROMIUM_PATH);

describe.skipIf(!hasChromium)('the report in headless Chromium, offline (skipped: no /usr/bin/chromium; .ci/run installs Debian\'s chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('renders every chart with no console error and no request beyond its own file', async () => {
    const dir = testDir('ct-report-browser-');
    const out = join(dir, 'report.html');
    const r = await runCli(['report', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '32', '--tp', '2', '--pp', '2', '--seq', '4096', '--gbs', '64', '--trials', '100', '--plan', '--plan-gpus', '16,32', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const charts: string[] = JSON.parse(r.stdout).charts;
    const { figures, errors, attempted } = await loadOffline(browser, out);
    expect(figures.map((f) => f.id)).toEqual(charts);
    expect(charts).toContain('plan-pareto');
    for (const f of figures) {
      expect(f.width, f.id!).toBeGreaterThan(100);
      expect(f.height, f.id!).toBeGreaterThan(50);
      expect(f.children, f.id!).toBeGreaterThan(1);
    }
    expect(errors).toEqual([]);
    expect(attempted).toEqual([]);
    // What was loaded is the file as written.
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
  }, 120_000);
});
