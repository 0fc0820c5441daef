/**
 * The web twin in a real headless Chromium (Debian's, driven by playwright-core), served by
 * `clustertwin ui`'s server with every request off this origin blocked: it loads without a console
 * error, its figures are the CLI's for the same scenario, errors read as the CLI's at their
 * field, links reopen the page as it was, and its screenshot is not blank.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from '../scripts/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../src/node/ui-server.js';
import { formatDuration } from '../src/units.js';
import { runCli } from './support/cli.js';
import { brightnessSpread, readPng } from './support/png.js';
import { ensureWebBuilt } from './support/web-build.js';

/** Only an explicit opt-out skips these: a missing browser is a failure, not a silent pass (.ci/run installs it). */
const skip = process.env.CLUSTERTWIN_SKIP_BROWSER === '1';

/** What a page did that it must not: console errors, uncaught exceptions, requests leaving the origin. */
interface Watch {
  errors: string[];
  remote: string[];
}

/** The page's hooks for tests and the bench (web/src/page-hooks.ts). */
interface PageHooks {
  clustertwin: { tool: (job: unknown) => Promise<{ seconds: number; progress: number[]; error?: string }> };
}

async function simulateJson(args: string[]): Promise<Record<string, any>> {
  const r = await runCli(['simulate', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(skip)('the web twin in Chromium', () => {
  let ui: UiServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium (Debian), or set CLUSTERTWIN_SKIP_BROWSER=1 to skip the browser tests`);
    await ensureWebBuilt();
    ui = await startUiServer();
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'ct-ui-browser-'));
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh page on `hash`, watched, waited on until its figures show. */
  async function open(hash = ''): Promise<{ page: Page; watch: Watch }> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const watch: Watch = { errors: [], remote: [] };
    page.on('console', (m) => {
      if (m.type() === 'error') watch.errors.push(m.text());
    });
    page.on('pageerror', (e) => watch.errors.push(e.message));
    const origin = new URL(ui.url).origin;
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(origin) || u.startsWith('blob:') || u.startsWith('data:')) return route.continue();
      watch.remote.push(u);
      return route.abort();
    });
    await page.goto(`${ui.url}${hash}`);
    await page.waitForSelector('[data-column="a"] [data-figure="stepTimeSeconds"]');
    return { page, watch };
  }

  const stepSeconds = async (page: Page, column = 'a'): Promise<number> => Number(await page.locator(`[data-column="${column}"] [data-figure="stepTimeSeconds"]`).getAttribute('data-value'));

  /** Types into a field as a user would and waits for the step time to change. */
  async function edit(page: Page, key: string, value: string, column = 'a'): Promise<void> {
    const before = await page.locator(`[data-column="${column}"] [data-figure="stepTimeSeconds"]`).getAttribute('data-value');
    const field = page.locator(`[data-scenario="${column}"] [data-field="${key}"]`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
    await page.waitForFunction(
      ([sel, old]) => document.querySelector(sel)?.getAttribute('data-value') !== old || document.querySelector('[data-error-for]') !== null,
      [`[data-column="${column}"] [data-figure="stepTimeSeconds"]`, before] as const,
    );
  }

  it('loads the default scenario with no console error and no request off its origin', async () => {
    const { page, watch } = await open();
    const cli = await simulateJson([]);
    expect(await stepSeconds(page)).toBe(cli.stepTimeSeconds);
    expect(await page.locator('[data-column="a"] [data-figure="stepTimeSeconds"] dd').first().textContent()).toBe(formatDuration(cli.stepTimeSeconds));
    expect(watch.errors).toEqual([]);
    expect(watch.remote).toEqual([]);
    await page.context().close();
  });

  it('editing the GPU count changes the step time to what simulate --json gives for that scenario', async () => {
    const { page, watch } = await open();
    const before = await stepSeconds(page);
    await edit(page, 'gpus', '2048');
    const cli = await simulateJson(['--gpus', '2048']);
    const after = await stepSeconds(page);
    expect(after).not.toBe(before);
    // The same engine in V8 either way; allow only floating-point noise.
    expect(Math.abs(after / cli.stepTimeSeconds - 1)).toBeLessThan(1e-12);
    for (const key of ['tokensPerSecond', 'mfu', 'peakMemoryBytesPerGpu', 'timeToTrainWithFailuresSeconds', 'costWithFailuresUsd']) {
      const shown = Number(await page.locator(`[data-column="a"] [data-figure="${key}"]`).getAttribute('data-value'));
      expect(Math.abs(shown / cli[key] - 1), key).toBeLessThan(1e-12);
    }
    expect(watch.errors).toEqual([]);
    await page.context().close();
  });

  it('a slow scenario (the flow-level network) waits for typing to pause, then shows simulate --json figures', async () => {
    const { page, watch } = await open('#network=flow&gpus=512');
    const field = page.locator('[data-scenario="a"] [data-field="gpus"]');
    // Typed a key at a time: each keystroke is an edit; the page recomputes once typing pauses.
    await field.fill('');
    await field.pressSequentially('256', { delay: 30 });
    await page.waitForSelector('[data-column="a"] [role="status"]');
    await page.waitForSelector('[data-column="a"] [role="status"]', { state: 'detached', timeout: 60_000 });
    const cli = await simulateJson(['--network', 'flow', '--gpus', '256']);
    expect(Math.abs((await stepSeconds(page)) / cli.stepTimeSeconds - 1)).toBeLessThan(1e-12);
    expect(await page.locator('[data-column="a"] .headline.stale').count()).toBe(0);
    expect(watch.errors).toEqual([]);
    await page.context().close();
  });

  it('draws each chart as an <svg> carrying the engine numbers', async () => {
    const { page } = await open();
    const fig = page.locator('[data-column="a"] figure[data-chart="step-breakdown"]');
    expect(await fig.locator('svg').count()).toBe(1);
    expect(await fig.locator('svg rect').count()).toBeGreaterThan(0);
    const figures = JSON.parse((await fig.getAttribute('data-figures')) ?? '{}');
    const cli = await simulateJson([]);
    expect(figures.stepTimeSeconds).toBe(cli.stepTimeSeconds);
    expect(figures.computeSeconds).toBe(cli.breakdown.computeSeconds);
    await page.context().close();
  });

  it('the Gantt chart has one row per pipeline stage', async () => {
    const { page } = await open('#pp=4&tp=8&gpus=1024');
    const gantt = page.locator('[data-column="a"] figure[data-chart="step-gantt"]');
    expect(await gantt.count()).toBe(1);
    const pp = 4;
    const labels = await gantt.locator('svg [aria-label$="tick label"] text, svg [aria-label$="tick label"] tspan').allTextContents();
    const stages = new Set(labels.flatMap((t) => [...t.matchAll(/stage\s*(\d+)/gi)].map((m) => Number(m[1]))));
    expect([...stages].sort((a, b) => a - b)).toEqual(Array.from({ length: pp }, (_, i) => i));
    await page.context().close();
  });

  it('an invalid TP shows the CLI error line at the TP field', async () => {
    const { page, watch } = await open();
    await edit(page, 'tp', '7');
    const cli = await runCli(['simulate', '--tp', '7']);
    expect(cli.code).toBe(2);
    const line = cli.stderr.trim();
    expect(line).toMatch(/^error: --tp: /);
    const error = page.locator('[data-scenario="a"] .field:has([data-field="tp"]) [data-error-for="tp"]');
    expect(await error.textContent()).toBe(line);
    expect(await page.locator('[data-scenario="a"] [data-field="tp"]').getAttribute('aria-invalid')).toBe('true');
    // The error is shown once, at its field: no other field claims it.
    expect(await page.locator('[data-error-for]').count()).toBe(1);
    expect(watch.errors).toEqual([]);
    await page.context().close();
    // A link that opens on the error shows it at the field too, over the default scenario's dimmed figures.
    const bad = await open('#tp=7');
    expect(await bad.page.locator('[data-error-for="tp"]').textContent()).toBe(line);
    expect(await bad.page.locator('[data-column="a"] .headline.stale').count()).toBe(1);
    await bad.page.context().close();
  });

  it('a shared URL reopens the same scenarios, A and B', async () => {
    const { page } = await open();
    await edit(page, 'model', 'llama3-70b');
    await edit(page, 'gpus', '512');
    await edit(page, 'recompute', 'full');
    await page.locator('[data-action="compare"]').click();
    await page.waitForSelector('[data-column="b"] [data-figure="stepTimeSeconds"]');
    await edit(page, 'gpus', '1024', 'b');
    const link = await page.locator('[data-share-link]').inputValue();
    expect(link).toBe(page.url());
    const a = await stepSeconds(page, 'a');
    const b = await stepSeconds(page, 'b');
    expect(a).not.toBe(b);
    await page.context().close();

    const again = await open(new URL(link).hash);
    expect(await stepSeconds(again.page, 'a')).toBe(a);
    expect(await stepSeconds(again.page, 'b')).toBe(b);
    expect(await again.page.locator('[data-scenario="a"] [data-field="model"]').inputValue()).toBe('llama3-70b');
    expect(await again.page.locator('[data-scenario="a"] [data-field="gpus"]').inputValue()).toBe('512');
    expect(await again.page.locator('[data-scenario="a"] [data-field="recompute"]').inputValue()).toBe('full');
    expect(await again.page.locator('[data-scenario="b"] [data-field="gpus"]').inputValue()).toBe('1024');
    expect(await again.page.locator('table.compare').count()).toBe(1);
    expect(again.watch.errors).toEqual([]);
    await again.page.context().close();
  });

  it('exports the YAML that simulate --config reads to the same figures', async () => {
    const { page } = await open('#system=dgx-h100&model=llama3-8b&gpus=64&tp=2&recompute=full');
    await page.locator('[data-action="export-yaml"]').click();
    const yaml = (await page.locator('[data-yaml]').textContent()) ?? '';
    expect(yaml).toContain('model: llama3-8b');
    const file = join(dir, 'scenario.yaml');
    writeFileSync(file, yaml);
    const cli = await simulateJson(['--config', file]);
    expect(Math.abs((await stepSeconds(page)) / cli.stepTimeSeconds - 1)).toBeLessThan(1e-12);
    expect(cli.config.execution.tp).toBe(2);
    await page.context().close();
  });

  it('runs plan in a Web Worker and lists the best plan the CLI finds', async () => {
    const scenario = ['--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '64'];
    const { page, watch } = await open('#system=dgx-h100&model=llama3-8b&gpus=64');
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await page.locator('[data-tool="plan"]').click();
    await page.locator('[data-run-tool="plan"]').click();
    await page.waitForSelector('[data-tool-result="plan"]', { timeout: 120_000 });
    expect(workers.length).toBe(1);
    const cli = await runCli(['plan', ...scenario, '--json', '--threads', '1']);
    expect(cli.code, cli.stderr).toBe(0);
    const best = JSON.parse(cli.stdout).plans[0];
    const firstRow = await page.locator('[data-tool-result="plan"] tbody tr').first().locator('td').nth(1).textContent();
    expect(firstRow).toContain(`TP ${best.tp} · PP ${best.pp} · DP ${best.dp}`);
    // The worker reports progress as it searches, rising to 1.
    const run = await page.evaluate(() => (window as unknown as PageHooks).clustertwin.tool({ kind: 'plan', user: { system: 'dgx-h100', model: 'llama3-8b', gpus: 64 }, objective: 'time', top: 10 }));
    expect(run.error).toBeUndefined();
    expect(run.progress.length).toBeGreaterThan(1);
    expect(run.progress.at(-1)).toBe(1);
    expect(run.progress).toEqual([...run.progress].sort((a, b) => a - b));
    expect(watch.errors).toEqual([]);
    await page.context().close();
  });

  it('runs reliability and serve from the page', async () => {
    const { page, watch } = await open('#system=dgx-h100&model=llama3-8b&gpus=64');
    await page.locator('[data-tool="reliability"]').click();
    await page.locator('[data-run-tool="reliability"]').click();
    await page.waitForSelector('[data-tool-result="reliability"]', { timeout: 120_000 });
    const rel = await runCli(['reliability', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '64', '--trials', '0', '--json']);
    expect(rel.code, rel.stderr).toBe(0);
    const goodput = `${(JSON.parse(rel.stdout).goodput * 100).toFixed(1)}%`;
    expect(await page.locator('[data-tool-result="reliability"] dd').first().textContent()).toBe(goodput);

    await page.locator('[data-tool="serve"]').click();
    await page.locator('[data-serve-field="isl"]').fill('512');
    await page.locator('[data-serve-field="osl"]').fill('128');
    await page.locator('[data-run-tool="serve"]').click();
    await page.waitForSelector('[data-tool-result="serve"]', { timeout: 120_000 });
    const srv = await runCli(['serve', '--system', 'dgx-h100', '--model', 'llama3-8b', '--tp', '8', '--isl', '512', '--osl', '128', '--concurrency', '16', '--json']);
    expect(srv.code, srv.stderr).toBe(0);
    const report = JSON.parse(srv.stdout);
    const ttft = `${formatDuration(report.ttftSeconds.p50)} / ${formatDuration(report.ttftSeconds.p99)}`;
    expect(await page.locator('[data-tool-result="serve"] dd').first().textContent()).toBe(ttft);
    // A bad tool option reads as its CLI flag's error, in the tools panel.
    await page.locator('[data-serve-field="concurrency"]').fill('none');
    await page.locator('[data-run-tool="serve"]').click();
    await page.waitForSelector('.tools [role="alert"]');
    expect(await page.locator('.tools [role="alert"]').textContent()).toMatch(/^error: --concurrency: expected a whole number/);
    expect(watch.errors).toEqual([]);
    await page.context().close();
  });

  it('a screenshot of the page is not blank', async () => {
    const { page } = await open();
    const shot = readPng(await page.screenshot());
    expect(shot.width).toBe(1400);
    const spread = brightnessSpread(shot);
    // A blank page measures 0 here; the app's text, fields and chart spread its brightness.
    await page.goto('about:blank');
    const blank = brightnessSpread(readPng(await page.screenshot()));
    expect(blank).toBeLessThan(1);
    expect(spread).toBeGreaterThan(15);
    await page.context().close();
  });
});
