/**
 * The serving report in a real headless Chromium (Debian's, driven by playwright-core) with the
 * network blocked: it loads without a request leaving the file and without a console error, and
 * every chart renders with a size and its marks.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_PATH, launchChromium } from '../scripts/chromium.js';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { loadOffline } from './support/offline-page.js';

const dir = mkdtempSync(join(tmpdir(), 'ct-report-serve-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// .ci/run installs Debian's chromium; a machine without it cannot run this one.
describe.skipIf(!existsSync(CHROMIUM_PATH))('report serve in Chromium, offline', () => {
  it('renders every chart with no request out and no console error', async () => {
    const out = join(dir, 'serve-report.html');
    expect((await runCli(['report', 'serve', '--model', 'llama3.1-8b', '--tp', '1', '--rate', '4', '--duration', '1m', '--out', out])).code).toBe(0);
    const browser = await launchChromium();
    try {
      const { figures: charts, errors, attempted: outside } = await loadOffline(browser, out);
      expect(charts.map((c) => c.id)).toEqual(['serving-latency-load', 'serving-cost', 'serving-ttft-histogram']);
      for (const c of charts) {
        expect(c.width, c.id!).toBeGreaterThan(300);
        expect(c.height, c.id!).toBeGreaterThan(150);
        expect(c.marks, c.id!).toBeGreaterThan(10);
      }
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
