/**
 * The web twin's speed, measured in the page itself (Debian's Chromium through playwright-core):
 * the recompute after an edit of a 16,384-GPU Llama 3 405B scenario (target <= 50 ms) and the
 * planner's 405B search in the page's Web Worker (target <= 5 s). Without Chromium it times the
 * same engine calls in Node instead, and says so.
 */
import { existsSync } from 'node:fs';
import { evaluateScenario, resolveScenario } from '../src/engine.js';
import { layerScenario } from '../src/config/scenario-layers.js';
import { parseScenarioInput } from '../src/config/scenario-input.js';
import { loadPresets } from '../src/node/presets.js';
import { nodeDocument } from '../src/node/dom.js';
import { plan } from '../src/planner/plan.js';
import { renderChart } from '../src/report/chart.js';
import { stepBreakdownChart } from '../src/report/charts/step-breakdown.js';
import { CHROMIUM_PATH, launchChromium } from '../scripts/chromium.js';
import { printFigure } from './print.js';

/** `--system dgx-h100 --model llama3-405b --gpus 16384 --tp 8 --pp 16 --seq 8192 --gbs 2048 --recompute full`, as the page's fields. */
const FIELDS = { system: 'dgx-h100', model: 'llama3-405b', gpus: '16384', tp: '8', pp: '16', seq: '8192', gbs: '2048', recompute: 'full' };
/** The planner's search: the split left to it, Meta's tokens. */
const PLAN_USER = { system: 'dgx-h100', model: 'llama3-405b', gpus: 16384, seq: 8192, gbs: 2048, tokens: 15.6e12 };
const RECOMPUTE_TARGET_MS = 50;
const PLAN_TARGET_SECONDS = 5;
const RUNS = 20;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const worst = (xs: number[]): number => Math.max(...xs);
const verdict = (x: number, target: number, unit: string): string => (x <= target ? `within the ${target} ${unit} target` : `ABOVE the ${target} ${unit} target`);

async function inChromium(): Promise<void> {
  const { startUiServer } = await import('../src/node/ui-server.js');
  const { ensureWebBuilt } = await import('../scripts/web-build.js');
  await ensureWebBuilt();
  const ui = await startUiServer();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${ui.url}#${new URLSearchParams(FIELDS).toString()}`);
    await page.waitForSelector('[data-column="a"] figure svg');
    const version = browser.version();
    console.log(`\nWeb twin in the page (Chromium ${version}, headless): Llama 3 405B on 16,384 H100, TP 8 x PP 16, full recompute`);
    // The page's recompute without the DOM: fields parsed, layered, resolved, simulated, charts built and drawn.
    const compute = await page.evaluate(
      ({ fields, runs }) => {
        const hooks = (window as unknown as { clustertwin: { recompute: (f: Record<string, string>) => { ms: number; ok: boolean } } }).clustertwin;
        for (let i = 0; i < 3; i++) hooks.recompute(fields);
        return Array.from({ length: runs }, () => hooks.recompute(fields));
      },
      { fields: FIELDS, runs: RUNS },
    );
    if (compute.some((c) => !c.ok)) throw new Error('the bench scenario gave an error in the page');
    const ms = compute.map((c) => c.ms);
    printFigure(`recompute after an edit (engine + charts), median of ${RUNS}`, `${median(ms).toFixed(1)} ms (worst ${worst(ms).toFixed(1)} ms): ${verdict(median(ms), RECOMPUTE_TARGET_MS, 'ms')}`);
    // An edit through the app until its figures and charts are on the page (Preact's render included).
    const edits = await page.evaluate(
      async ({ fields, runs }) => {
        const hooks = (window as unknown as { clustertwin: { edit: (f: Record<string, string>) => Promise<number> } }).clustertwin;
        const out: number[] = [];
        // Alternate the run's tokens so each edit is a new scenario (the step is the same one).
        for (let i = 0; i < runs + 3; i++) out.push(await hooks.edit({ ...fields, tokens: i % 2 ? '15.6T' : '15.5T' }));
        return out.slice(3);
      },
      { fields: FIELDS, runs: RUNS },
    );
    printFigure(`edit to screen (recompute + render), median of ${RUNS}`, `${median(edits).toFixed(1)} ms (worst ${worst(edits).toFixed(1)} ms): ${verdict(median(edits), RECOMPUTE_TARGET_MS, 'ms')}`);
    const planned = await page.evaluate(
      (user) => (window as unknown as { clustertwin: { tool: (job: unknown) => Promise<{ seconds: number; workerSeconds?: number; error?: string }> } }).clustertwin.tool({ kind: 'plan', user, objective: 'time', top: 10 }),
      PLAN_USER,
    );
    if (planned.error) throw new Error(`the planner failed in the page: ${planned.error}`);
    printFigure('planner, 405B on 16,384 H100 (in a Web Worker, from the click to the report)', `${planned.seconds.toFixed(2)} s (${(planned.workerSeconds ?? NaN).toFixed(2)} s searching in the worker): ${verdict(planned.seconds, PLAN_TARGET_SECONDS, 's')}`);
  } finally {
    await browser.close();
    await ui.close();
  }
}

function inNode(): void {
  const catalog = loadPresets();
  const document = nodeDocument();
  console.log(`\nWeb twin: Chromium absent (${CHROMIUM_PATH}) or BENCH_UI_IN_NODE set: these are the page's engine calls timed in Node, not in the page`);
  const once = (): number => {
    const t0 = performance.now();
    const input = parseScenarioInput(layerScenario((catalog.scenarios.default as Record<string, unknown>) ?? {}, parseScenarioInput(FIELDS)));
    const r = evaluateScenario(resolveScenario(input, catalog), { timeline: true });
    renderChart(stepBreakdownChart(r), document);
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) once();
  const ms = Array.from({ length: RUNS }, once);
  printFigure(`recompute after an edit (engine + charts), median of ${RUNS}, Node`, `${median(ms).toFixed(1)} ms (worst ${worst(ms).toFixed(1)} ms): ${verdict(median(ms), RECOMPUTE_TARGET_MS, 'ms')}`);
  const t0 = performance.now();
  plan({ input: parseScenarioInput(PLAN_USER), top: 10 }, catalog);
  const seconds = (performance.now() - t0) / 1000;
  printFigure('planner, 405B on 16,384 H100, one thread, Node', `${seconds.toFixed(2)} s: ${verdict(seconds, PLAN_TARGET_SECONDS, 's')}`);
}

// BENCH_UI_IN_NODE=1 times the Node fallback even where Chromium is present, to compare.
if (existsSync(CHROMIUM_PATH) && !process.env.BENCH_UI_IN_NODE) await inChromium();
else inNode();
