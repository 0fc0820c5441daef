/**
 * The web twin's Fleet view in a real headless Chromium (Debian's, driven by playwright-core),
 * served by `clustertwin ui`'s server with every request off its origin blocked: the fleet runs in
 * a worker with a progress bar, its charts are the fleet report's with `clustertwin fleet --json`'s
 * figures, and a changed input changes the charts. Also: `report fleet`'s HTML renders offline.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from '../scripts/chromium.js';
import { startUiServer, type UiServer } from '../src/node/ui-server.js';
import { runCli } from './support/cli.js';
import { loadOffline } from './support/offline-page.js';
import { ensureWebBuilt } from './support/web-build.js';

const skip = process.env.CLUSTERTWIN_SKIP_BROWSER === '1';
const FLEET_CHARTS = ['fleet-gpu-hours', 'fleet-utilization', 'fleet-queue', 'fleet-queueing-delay', 'fleet-goodput'];

describe.skipIf(skip)('the Fleet view in Chromium', () => {
  let ui: UiServer;
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'ct-ui-fleet-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium (Debian), or set CLUSTERTWIN_SKIP_BROWSER=1 to skip the browser tests`);
    await ensureWebBuilt();
    ui = await startUiServer();
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const figures = async (page: Page, id: string): Promise<Record<string, number>> => JSON.parse((await page.locator(`[data-tool-result="fleet"] [data-chart="${id}"]`).getAttribute('data-figures'))!);

  async function runFleet(page: Page): Promise<void> {
    await page.locator('[data-run-tool="fleet"]').click();
    await page.waitForFunction(() => document.querySelector('[data-run-tool="fleet"]') && !(document.querySelector('[data-run-tool="fleet"]') as HTMLButtonElement).disabled && document.querySelector('[data-tool-result="fleet"]'), undefined, { timeout: 120_000 });
  }

  it("renders the fleet's charts with fleet --json's figures, and a changed input changes them", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const remote: string[] = [];
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    page.on('pageerror', (e) => errors.push(e.message));
    const origin = new URL(ui.url).origin;
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(origin) || u.startsWith('blob:') || u.startsWith('data:')) return route.continue();
      remote.push(u);
      return route.abort();
    });
    await page.goto(ui.url);
    await page.locator('[data-tool="fleet"]').click();
    await page.locator('[data-fleet-field="days"]').fill('3');
    await page.locator('[data-fleet-field="gpus"]').fill('512');
    await runFleet(page);
    const ids = await page.locator('[data-tool-result="fleet"] figure[data-chart]').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-chart')));
    expect(ids).toEqual(FLEET_CHARTS);
    for (const id of FLEET_CHARTS) expect(await page.locator(`[data-tool-result="fleet"] [data-chart="${id}"] svg`).count(), id).toBe(1);
    const cli = JSON.parse((await runCli(['fleet', '--gpus', '512', '--days', '3', '--generator', 'acme-seren', '--seed', '1', '--json'])).stdout);
    const before = await figures(page, 'fleet-gpu-hours');
    expect(before['gpuHours.busy']).toBe(cli.gpuHours.busy);
    expect((await figures(page, 'fleet-utilization')).allocated).toBe(cli.utilization.allocated);

    await page.locator('[data-fleet-field="gpus"]').fill('1024');
    await runFleet(page);
    const after = await figures(page, 'fleet-gpu-hours');
    expect(after.gpus).toBe(1024);
    expect(after['gpuHours.busy']).not.toBe(before['gpuHours.busy']);
    // A bad input reads as its flag's error, in the tools panel.
    await page.locator('[data-fleet-field="days"]').fill('0');
    await page.locator('[data-run-tool="fleet"]').click();
    await page.waitForSelector('.tools [role="alert"]');
    expect(await page.locator('.tools [role="alert"]').textContent()).toMatch(/^error: --days: /);
    expect(errors).toEqual([]);
    expect(remote).toEqual([]);
    await context.close();
  }, 300_000);

  it("report fleet's HTML renders every chart offline", async () => {
    const out = join(dir, 'fleet.html');
    expect((await runCli(['report', 'fleet', '--gpus', '512', '--days', '3', '--generator', 'acme-seren', '--out', out])).code).toBe(0);
    const { figures: charts, errors, attempted } = await loadOffline(browser, out);
    expect(charts.map((c) => c.id)).toEqual(FLEET_CHARTS);
    for (const c of charts) expect(c.marks, c.id!).toBeGreaterThan(3);
    expect(attempted).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);
});
