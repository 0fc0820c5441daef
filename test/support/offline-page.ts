/**
 * A written report opened in Chromium with the network cut: every request but the file itself is
 * aborted and recorded, console errors and uncaught exceptions are collected, and each chart's
 * <svg> is measured. The report tests (training and serving) assert on what comes back.
 */
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';

/** One chart's figure as the page laid it out. */
export interface FigureBox {
  id: string | null;
  width: number;
  height: number;
  /** Child elements of its <svg>. */
  children: number;
  /** Drawn marks in it (paths, circles, rects, lines). */
  marks: number;
}

export interface OfflineLoad {
  figures: FigureBox[];
  errors: string[];
  /** Requests the page attempted beyond its own file (each aborted). */
  attempted: string[];
}

export async function loadOffline(browser: Browser, file: string): Promise<OfflineLoad> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ offline: true });
  try {
    const attempted: string[] = [];
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      attempted.push(u);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (req) => {
      if (req.url() !== url && !attempted.includes(req.url())) attempted.push(req.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const figures = await page.$$eval('figure[data-chart]', (els) =>
      els.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.getAttribute('data-chart'),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          children: svg?.childElementCount ?? 0,
          marks: svg ? svg.querySelectorAll('path, circle, rect, line').length : 0,
        };
      }),
    );
    return { figures, errors, attempted };
  } finally {
    await context.close();
  }
}
