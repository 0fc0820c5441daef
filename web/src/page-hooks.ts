/**
 * What the page exposes on `window` for the speed bench (bench/ui.ts) and the browser tests:
 * the recompute the page runs on an edit, timed, and a promise for an edit to reach the screen.
 */
import { renderChart } from '../../src/report/chart.js';
import { evaluateFields } from './evaluate.js';
import type { Fields } from './scenario-fields.js';
import type { SharedState } from './share-url.js';
import { runToolJob, type ToolJob } from './tool-jobs.js';
import { startToolJob } from './tool-client.js';

declare global {
  interface Window {
    /** The app's state setter (set by App). */
    clustertwinPage?: { setState: (s: SharedState) => void; getState: () => SharedState };
    /** Bench and test hooks. */
    clustertwin?: typeof hooks;
  }
}

let waiting: Array<{ state: SharedState; resolve: (t: number) => void }> = [];

/** Called by App after each committed render (children's charts are drawn by then). */
export function editCommitted(state: SharedState): void {
  const now = performance.now();
  const ready = waiting.filter((w) => w.state === state);
  waiting = waiting.filter((w) => w.state !== state);
  ready.forEach((w) => w.resolve(now));
}

const hooks = {
  /** The page's recompute of one scenario without the DOM: engine, charts, each chart drawn. Milliseconds. */
  recompute(fields: Fields): { ms: number; ok: boolean; stepTimeSeconds?: number } {
    const t0 = performance.now();
    const out = evaluateFields(fields);
    if (out.ok) for (const c of out.value.charts) renderChart(c, document);
    const ms = performance.now() - t0;
    return { ms, ok: out.ok, stepTimeSeconds: out.ok ? out.value.result.stepTimeSeconds : undefined };
  },
  /** An edit through the app, as typing makes it: milliseconds until it is on the page (figures and charts). */
  edit(a: Fields): Promise<number> {
    const page = window.clustertwinPage;
    if (!page) return Promise.reject(new Error('the app has not started'));
    const state: SharedState = { ...page.getState(), a };
    const t0 = performance.now();
    return new Promise<number>((resolve) => {
      waiting.push({ state, resolve: (t) => resolve(t - t0) });
      page.setState(state);
    });
  },
  /** A tool job in a Web Worker, as the page's buttons run it: wall seconds from the page. */
  async tool(job: ToolJob): Promise<{ seconds: number; workerSeconds?: number; progress: number[]; error?: string }> {
    const t0 = performance.now();
    const progress: number[] = [];
    const out = await startToolJob(job, (p) => progress.push(p)).done;
    const seconds = (performance.now() - t0) / 1000;
    return 'error' in out ? { seconds, progress, error: out.error.line } : { seconds, workerSeconds: out.seconds, progress };
  },
  /** The same job on the page's own thread (no worker), for comparison. */
  toolInPage(job: ToolJob): { seconds: number } {
    const t0 = performance.now();
    runToolJob(job);
    return { seconds: (performance.now() - t0) / 1000 };
  },
};

export function installHooks(): void {
  window.clustertwin = hooks;
}
