/**
 * `clustertwin report`: the HTML opens offline (no remote src/href, no
 * script, no stylesheet link, no remote url()), the numbers its charts carry
 * equal `simulate --json`'s for the same scenario, its YAML reruns the same
 * scenario, the SVG and PNG exports, --plan, --json, and the one-line
 * usage errors that leave nothing written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { expectUsageError, runCli } from './support/cli.js';
import { testDir } from './support/temp-dir.js';

/** Llama 3 8B on 32 H100s, TP 2 x PP 2: small enough that the whole report takes well under a second of engine time. */
const SCENARIO = ['--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '32', '--tp', '2', '--pp', '2', '--seq', '4096', '--gbs', '64', '--tokens', '2T'];
const FAST = ['--trials', '100'];

async function writeReport(args: string[] = []): Promise<{ dir: string; html: string; stdout: string }> {
  const dir = testDir('ct-report-');
  const out = join(dir, 'report.html');
  const r = await runCli(['report', ...SCENARIO, ...FAST, '--out', out, ...args]);
  expect(r.code, r.stderr).toBe(0);
  return { dir, html: readFileSync(out, 'utf8'), stdout: r.stdout };
}

async function simulateJson(args: string[]): Promise<Record<string, any>> {
  const r = await runCli(['simulate', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Each figure's chart id and its data-figures. */
function figuresOf(html: string): Map<string, Record<string, number>> {
  const { document } = parseHTML(html);
  const out = new Map<string, Record<string, number>>();
  for (const f of document.querySelectorAll('figure[data-chart]')) out.set(f.getAttribute('data-chart')!, JSON.parse(f.getAttribute('data-figures')!));
  return out;
}

describe('report: a self-contained HTML file', () => {
  it('refers to nothing outside itself: no remote src/href, no script, no <link>, no url(http...)', async () => {
    const { html } = await writeReport();
    const { document } = parseHTML(html);
    const refs = [...document.querySelectorAll('[src],[href]')].flatMap((el) => [el.getAttribute('src'), el.getAttribute('href')]).filter((v): v is string => v !== null);
    expect(refs.filter((v) => /^\s*(https?:)?\/\//i.test(v))).toEqual([]);
    // The same on the raw text, in case an attribute escapes the parser.
    expect(html).not.toMatch(/\b(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  });

  it("carries in each chart's data-figures the numbers simulate --json gives: step time, breakdown, memory by kind", async () => {
    const { html } = await writeReport();
    const sim = await simulateJson(SCENARIO);
    const figs = figuresOf(html);
    expect(figs.get('step-breakdown')).toEqual({ stepTimeSeconds: sim.stepTimeSeconds, ...sim.breakdown });
    const mem = figs.get('memory-stack')!;
    for (const k of ['weightsBytes', 'gradsBytes', 'optimizerBytes', 'activationsBytes', 'transientBytes', 'reserveBytes', 'totalBytes']) expect(mem[k], k).toBe(sim.memory[k]);
    expect(mem.capacityBytes).toBe(sim.memoryCapacityBytesPerGpu);
    const gantt = figs.get('step-gantt')!;
    expect(gantt.stepTimeSeconds).toBe(sim.stepTimeSeconds);
    // The timeline's events, as simulate --timeline lists them, summed by kind.
    const timeline = (await simulateJson([...SCENARIO, '--timeline'])).timeline as Array<{ stage: number; stream: string; kind: string; startSeconds: number; endSeconds: number }>;
    // The critical stage's pipeline time is idle but for its events on the compute stream (blocking sends, compute a send slows).
    const ppOnCompute = timeline
      .filter((e) => e.stage === sim.criticalStage && e.stream === 'compute' && e.kind === 'pp-comm')
      .reduce((a, e) => a + e.endSeconds - e.startSeconds, 0);
    expect(gantt.criticalStageIdleSeconds + ppOnCompute).toBeCloseTo(sim.breakdown.bubbleSeconds + sim.breakdown.ppCommSeconds, 9);
    const forward = timeline.filter((e) => e.kind === 'forward').reduce((a, e) => a + e.endSeconds - e.startSeconds, 0);
    expect(gantt.forwardSeconds).toBeCloseTo(forward, 9);
    expect(gantt.events).toBe(timeline.length);
    expect([...figs.keys()]).toEqual(['step-gantt', 'step-breakdown', 'memory-stack', 'scaling-throughput', 'scaling-mfu', 'scaling-cost', 'interruptions-by-cause', 'goodput-interval', 'time-to-train-distribution']);
  });

  it('states the accuracy and the headline figures, and its YAML reruns the same scenario with simulate --config', async () => {
    const { html, dir } = await writeReport();
    const sim = await simulateJson(SCENARIO);
    expect(html).toMatch(/class="acc">Accuracy: /);
    const { document } = parseHTML(html);
    const yaml = document.querySelector('pre')!.textContent!;
    const file = join(dir, 'scenario.yaml');
    writeFileSync(file, yaml);
    const again = await simulateJson(['--config', file]);
    expect(again.stepTimeSeconds).toBe(sim.stepTimeSeconds);
    expect(again.config.execution).toEqual(sim.config.execution);
  });

  it('reads the scenario from --config as simulate does', async () => {
    const dir = testDir('ct-report-');
    const file = join(dir, 'scenario.yaml');
    writeFileSync(file, 'system: dgx-h100\nmodel: llama3-8b\ngpus: 32\ntp: 2\npp: 2\nseq: 4096\ngbs: 64\n');
    const r = await runCli(['report', '--config', file, '--no-scaling', '--no-reliability', '--out', join(dir, 'r.html'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const sim = await simulateJson(['--config', file]);
    expect(JSON.parse(r.stdout).headline.stepTimeSeconds).toBe(sim.stepTimeSeconds);
  });

  it('--json prints the files written, the chart ids and the headline figures', async () => {
    const dir = testDir('ct-report-');
    const out = join(dir, 'r.html');
    const r = await runCli(['report', ...SCENARIO, ...FAST, '--out', out, '--no-scaling', '--no-reliability', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const sim = await simulateJson(SCENARIO);
    expect(j.format).toBe('html');
    expect(j.files).toEqual([{ path: out, bytes: readFileSync(out).byteLength }]);
    expect(j.charts).toEqual(['step-gantt', 'step-breakdown', 'memory-stack']);
    expect(j.headline).toMatchObject({ stepTimeSeconds: sim.stepTimeSeconds, tokensPerSecond: sim.tokensPerSecond, mfu: sim.mfu, costUsd: sim.costUsd, timeToTrainWithFailuresSeconds: sim.timeToTrainWithFailuresSeconds });
  });

  it('leaves the Gantt chart out, saying why, when the step has too many passes to keep its events', async () => {
    const dir = testDir('ct-report-');
    const out = join(dir, 'r.html');
    // 32 GPUs at DP 8 x PP 2: 40,000 micro-batches a pipeline, 80,000 passes (the timeline keeps 65,536).
    const r = await runCli(['report', ...SCENARIO, '--gbs', '320000', '--no-scaling', '--no-reliability', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).charts).toEqual(['step-breakdown', 'memory-stack']);
    expect(readFileSync(out, 'utf8')).toMatch(/No Gantt chart: the step has 80,000 micro-batch passes, more than the 65,536/);
  });

  it('--plan adds the planner\'s top plans and Pareto front, as plan --json gives them', async () => {
    const { html } = await writeReport(['--no-scaling', '--no-reliability', '--plan', '--plan-gpus', '16,32']);
    const figs = figuresOf(html);
    const r = await runCli(['plan', '--system', 'dgx-h100', '--model', 'llama3-8b', '--gpus', '16,32', '--tp', '2', '--pp', '2', '--seq', '4096', '--gbs', '64', '--tokens', '2T', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    const top = figs.get('plan-top')!;
    expect(top.plans).toBe(plan.plans.length);
    plan.plans.forEach((p: { timeToTrainSeconds: number; costUsd: number }, i: number) => {
      expect(top[`timeToTrainSeconds${i + 1}`]).toBe(p.timeToTrainSeconds);
      expect(top[`costUsd${i + 1}`]).toBe(p.costUsd);
    });
    const front = figs.get('plan-pareto')!;
    for (const p of plan.points) expect(front[`costUsd@${p.system}/${p.gpus}`]).toBe(p.best.costUsd);
  });
});

describe('report --network flow', () => {
  it('adds the fat tree under the step\'s gradient reduction, its links loaded and within their capacity', async () => {
    const { html } = await writeReport(['--network', 'flow', '--no-scaling', '--no-reliability']);
    const figs = figuresOf(html);
    expect([...figs.keys()]).toEqual(['step-gantt', 'step-breakdown', 'memory-stack', 'fabric-load']);
    const f = figs.get('fabric-load')!;
    expect(f.gpus).toBe(32);
    expect(f.collectiveSeconds).toBeGreaterThan(0);
    const peaks = Object.entries(f).filter(([k]) => k.endsWith('.maxUtilisation')).map(([, v]) => v);
    expect(peaks.length).toBeGreaterThan(0);
    expect(Math.max(...peaks)).toBeGreaterThan(0);
    expect(Math.max(...peaks)).toBeLessThanOrEqual(1);
  });
});

describe('report --format svg|png', () => {
  it('svg writes one file per chart, named by its id', async () => {
    const dir = testDir('ct-report-svg-');
    const r = await runCli(['report', ...SCENARIO, ...FAST, '--format', 'svg', '--out-dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(readdirSync(dir).sort()).toEqual(j.charts.map((id: string) => `${id}.svg`).sort());
    for (const id of j.charts) {
      const svg = readFileSync(join(dir, `${id}.svg`), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), id).toBe(true);
    }
  });
  it('png writes one PNG per chart', async () => {
    const dir = testDir('ct-report-png-');
    const r = await runCli(['report', ...SCENARIO, ...FAST, '--no-scaling', '--no-reliability', '--format', 'png', '--out-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['memory-stack.png', 'step-breakdown.png', 'step-gantt.png']);
    // Twice each chart's width in pixels (960, or Plot's default 640), IHDR's first field.
    const widths: Record<string, number> = { 'memory-stack.png': 1920, 'step-breakdown.png': 1280, 'step-gantt.png': 1920 };
    for (const f of readdirSync(dir)) {
      const png = readFileSync(join(dir, f));
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png.readUInt32BE(16), f).toBe(widths[f]);
    }
  });
});

describe('report: usage errors are one line, exit 2, and write nothing', () => {
  const cases: Array<[string, string[], string, RegExp?]> = [
    ['a bad format', ['--format', 'pdf'], "option '--format <format>'", /Allowed choices are html, svg, png/],
    ['svg without --out-dir', ['--format', 'svg'], '--out-dir', /one file per chart/],
    ['png with a missing --out-dir', ['--format', 'png', '--out-dir', '/nonexistent/charts'], '--out-dir', /does not exist/],
    ['--out-dir with html', ['--out-dir', '.'], '--out-dir', /--format svg or png/],
    ['a bad scenario flag', ['--tp', '3'], '--tp'],
    ['--plan-gpus without --plan', ['--plan-gpus', '16,32'], '--plan-gpus', /give --plan too/],
    ['bad --trials', ['--trials', '-1'], '--trials'],
  ];
  for (const [what, args, field, message] of cases) {
    it(what, async () => {
      const dir = testDir('ct-report-err-');
      const out = join(dir, 'report.html');
      const r = await runCli(['report', ...SCENARIO, ...FAST, '--out', out, ...args]);
      expectUsageError(r, field, message);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    });
  }
  it('a folder where a chart\'s file would go: nothing written', async () => {
    const dir = testDir('ct-report-err-');
    mkdirSync(join(dir, 'memory-stack.svg'));
    const r = await runCli(['report', ...SCENARIO, ...FAST, '--no-scaling', '--no-reliability', '--format', 'svg', '--out-dir', dir]);
    expectUsageError(r, '--out-dir', /memory-stack\.svg: it is a folder/);
    expect(readdirSync(dir)).toEqual(['memory-stack.svg']);
  });
  it('a missing --out folder', async () => {
    const r = await runCli(['report', ...SCENARIO, '--out', '/nonexistent/dir/report.html']);
    expectUsageError(r, '--out', /folder does not exist/);
  });
});

describe('report --help', () => {
  it('has an Examples block and names the formats', async () => {
    const r = await runCli(['report', '--help']);
    expect(r.stdout).toMatch(/Examples:\n\s+clustertwin report\n/);
    expect(r.stdout).toMatch(/--format <format>/);
    expect(r.stdout).toMatch(/--out-dir <dir>/);
  });
});
