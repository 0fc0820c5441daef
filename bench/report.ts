/**
 * `clustertwin report` benchmarks: the wall time of writing the report file
 * (the target: <= 3 s) for the default scenario and for Llama 3 405B
 * on 16,384 H100, each phase apart (step with its timeline, scaling curve,
 * reliability with its 1,000 Monte Carlo trials, drawing the HTML), the
 * file's size, and, where Debian's Chromium is installed, how long the page
 * takes to load and lay out. Figures only; nothing here asserts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { main } from '../src/cli/main.js';
import { loadPresets } from '../src/node/presets.js';
import { nodeDocument } from '../src/node/dom.js';
import { scenarioFromOptions } from '../src/cli/scenario-options.js';
import { evaluateScenario, resolveScenario } from '../src/engine.js';
import { analyzeReliability } from '../src/reliability/analysis.js';
import { scalingCounts, scalingPoints } from '../src/report/scaling-points.js';
import { trainingReport } from '../src/report/training-report.js';
import { reportHtml } from '../src/report/html-report.js';
import { CHROMIUM_PATH, launchChromium } from '../scripts/chromium.js';
import { printFigure } from './print.js';

const catalog = loadPresets();
const dir = mkdtempSync(join(tmpdir(), 'ct-bench-report-'));
// The compiled CLI beside the compiled bench (npm run bench), else the TypeScript source through tsx.
const compiled = fileURLToPath(new URL('../src/cli/run.js', import.meta.url));
const runArgs = existsSync(compiled) ? [compiled] : ['--import', 'tsx', fileURLToPath(new URL('../src/cli/run.ts', import.meta.url))];
const ms = (t0: number): string => `${(performance.now() - t0).toFixed(0)} ms`;

const SUITES: Array<[string, Record<string, string>]> = [
  ['default scenario (GPT-3 175B, 1,024 A100, TP 8 x PP 8)', {}],
  ['GPT-3 175B, 64 A100, TP 8 x PP 4 (a large timeline)', { gpus: '64', tp: '8', pp: '4' }],
  ['Llama 3 405B, 16,384 H100, TP 8 x PP 16', { system: 'dgx-h100', model: 'llama3-405b', gpus: '16384', tp: '8', pp: '16', seq: '8192', gbs: '2048', recompute: 'full' }],
];

/** Runs the CLI in this process with its one stdout line swallowed. */
async function cli(args: string[]): Promise<number> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await main(args);
  } finally {
    process.stdout.write = write;
  }
}

console.log('\nReport (clustertwin report, target <= 3 s)');
const written: Array<[string, string]> = [];
for (const [name, flags] of SUITES) {
  const args = Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]);
  const out = join(dir, `${written.length}.html`);
  let t0 = performance.now();
  const code = await cli(['report', ...args, '--out', out]);
  const first = ms(t0);
  t0 = performance.now();
  await cli(['report', ...args, '--out', out]);
  printFigure(`${name}: report writes its file`, `${first} (first in this process), ${ms(t0)} (again); exit ${code}; ${(statSync(out).size / 1024).toFixed(0)} KB of HTML`);
  // As a user runs it: a fresh process, module loading and the presets included.
  t0 = performance.now();
  const spawned = spawnSync(process.execPath, [...runArgs, 'report', ...args, '--out', out], { encoding: 'utf8' });
  printFigure(`${name}: clustertwin report as a new process`, `${ms(t0)}${runArgs.length > 1 ? ' (through tsx, which compiles the sources first)' : ''}; exit ${spawned.status}`);
  written.push([name, out]);

  // Where the time goes.
  const input = scenarioFromOptions(flags, catalog);
  const s = resolveScenario(input, catalog);
  t0 = performance.now();
  const result = evaluateScenario(s, { timeline: true }) as Parameters<typeof trainingReport>[0]['result'];
  const tStep = ms(t0);
  t0 = performance.now();
  const scaling = scalingPoints(input, catalog, scalingCounts(s.exec.gpus));
  const tScaling = ms(t0);
  t0 = performance.now();
  const reliability = analyzeReliability(s, { kind: 'work', seconds: result.timeToTrainSeconds }, { trials: 1000, seed: 1, keepTrialWallSeconds: true });
  const tRel = ms(t0);
  t0 = performance.now();
  reportHtml(trainingReport({ result, scaling, reliability }, { accuracy: null, input, generatedBy: '' }), nodeDocument());
  printFigure(
    `${name}: phases`,
    `step with its ${(result.timeline ?? []).length.toLocaleString('en-US')}-event timeline ${tStep}, scaling (${scaling.length} counts) ${tScaling}, reliability ${tRel}, charts and HTML ${ms(t0)}`,
  );
}

if (existsSync(CHROMIUM_PATH)) {
  const browser = await launchChromium();
  for (const [name, file] of written) {
    const page = await browser.newPage();
    const t0 = performance.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.evaluate(() => document.body.getBoundingClientRect().height);
    printFigure(`${name}: Chromium loads and lays out the page`, ms(t0));
    await page.close();
  }
  await browser.close();
} else {
  printFigure('Chromium', `not installed (${CHROMIUM_PATH}): page load not timed`);
}
rmSync(dir, { recursive: true, force: true });
