/**
 * Planner benchmarks: how fast the whole space is searched, on one thread
 * and on every core, and what the best plans are against the splits the
 * published runs used. Figures only; the tests check the comparisons.
 */
import { availableParallelism } from 'node:os';
import { loadPresets } from '../src/node/presets.js';
import { planOnThreads } from '../src/node/planner-pool.js';
import { plan, type Plan, type PlanReport } from '../src/planner/plan.js';
import { forEachSplit, splitGroups, type Workload } from '../src/planner/space.js';
import { parseScenarioInput, type ScenarioInput } from '../src/config/scenario-input.js';
import { resolveExecution, scenarioModel, scenarioSystem, type Scenario } from '../src/config/resolve.js';
import { defaultNetwork, estimateStep, hbmBytes, memoryByStage } from '../src/engine.js';
import { printFigure } from './print.js';

const catalog = loadPresets();
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const split = (p: Plan): string => `TP ${p.tp} PP ${p.pp} DP ${p.dp} CP ${p.cp} VP ${p.vp} mbs ${p.mbs} ZeRO ${p.zero} ${p.recompute}`;
const stepText = (p: Plan): string => `${p.stepTimeSeconds.toFixed(2)} s/step, MFU ${(p.mfu * 100).toFixed(1)}%`;

function timed<T>(f: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  const value = f();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

async function suite(name: string, job: ScenarioInput, baselineName: string, baseline: ScenarioInput): Promise<void> {
  const input = parseScenarioInput(job);
  console.log(`\nPlanner: ${name}`);
  // Cold: the first search in this process, as a user's `clustertwin plan` runs it.
  const cold = timed(() => plan({ input, top: 1 }, catalog));
  const r: PlanReport = cold.value;
  printFigure('space', `${int(r.considered)} configurations: ${int(r.prunedByMemory)} pruned by memory, ${int(r.evaluated)} estimated with the closed form, ${r.rechecked} re-checked by event simulation`);
  printFigure('one thread, cold', `${cold.seconds.toFixed(2)} s = ${int(r.considered / cold.seconds)} configurations/s`);
  const warm = timed(() => plan({ input, top: 1 }, catalog));
  printFigure('one thread, warm', `${warm.seconds.toFixed(2)} s = ${int(r.considered / warm.seconds)} configurations/s`);
  const threads = availableParallelism();
  const t0 = performance.now();
  const pooled = await planOnThreads({ input, top: 1 }, catalog, { threads });
  printFigure(`${pooled.threads} threads (every core)`, `${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const best = r.plans[0];
  const base = plan({ input: parseScenarioInput({ ...job, ...baseline }), top: 1 }, catalog).plans[0];
  printFigure('best plan', `${split(best)}: ${stepText(best)}`);
  printFigure(baselineName, `${split(base)}: ${stepText(base)} (best VP, micro-batch and recompute that fit)`);
}

/** The closed form alone, over configurations of a real search that fit in memory. */
function closedFormRate(job: ScenarioInput, count: number): void {
  const input = parseScenarioInput(job);
  const system = scenarioSystem(input, catalog);
  const model = scenarioModel(input, catalog);
  const w: Workload = { system, model, gpus: input.gpus!, gbs: input.gbs!, seq: input.seq!, fixed: {} };
  const fitting: Scenario[] = [];
  for (const g of splitGroups(w)) {
    if (fitting.length >= count) break;
    forEachSplit(w, g, (s) => {
      if (fitting.length >= count) return;
      const exec = resolveExecution({ ...input, ...s, layersPerStage: g.layersPerStage }, model, system);
      const sc = { system, model, exec };
      if (Math.max(...memoryByStage(sc).map((m) => m.totalBytes)) <= hbmBytes(system)) fitting.push(sc);
    });
  }
  const net = defaultNetwork(system);
  const cold = timed(() => fitting.forEach((s) => estimateStep(s, net)));
  // One pass over 2,000 configurations takes tens of milliseconds: report the median of 7 passes.
  const median = (f: () => void) => {
    const runs = Array.from({ length: 7 }, () => timed(f).seconds).sort((a, b) => a - b);
    return { seconds: runs[3] };
  };
  const warm = median(() => fitting.forEach((s) => estimateStep(s, net)));
  const mem = median(() => fitting.forEach((s) => memoryByStage(s)));
  console.log(`\nPlanner: closed form alone, ${fitting.length} different fitting configurations of ${model.name}`);
  printFigure('closed-form estimate, first time (caches cold)', `${((cold.seconds / fitting.length) * 1e6).toFixed(1)} µs = ${int(fitting.length / cold.seconds)}/s`);
  printFigure('closed-form estimate, again (caches warm; median of 7 passes)', `${((warm.seconds / fitting.length) * 1e6).toFixed(1)} µs = ${int(fitting.length / warm.seconds)}/s`);
  printFigure('memory check', `${((mem.seconds / fitting.length) * 1e6).toFixed(1)} µs = ${int(fitting.length / mem.seconds)}/s`);
}

await suite(
  'Llama 3 405B, 16,384 H100 (dgx-h100), sequence 8192, 16M-token batch',
  { system: 'dgx-h100', model: 'llama3-405b', gpus: 16384, seq: 8192, gbs: 2048, tokens: 15.6e12 },
  "Meta's TP 8 x PP 16",
  { tp: 8, pp: 16, cp: 1 },
);
await suite(
  'GPT-3 175B, 1,024 A100 (ndm-a100-v4), sequence 2048, batch 1536',
  { system: 'ndm-a100-v4', model: 'gpt3-175b', gpus: 1024, seq: 2048, gbs: 1536, tokens: 300e9 },
  "Megatron's TP 8 x PP 8",
  { tp: 8, pp: 8, cp: 1 },
);
closedFormRate({ system: 'dgx-h100', model: 'llama3-405b', gpus: 16384, seq: 8192, gbs: 2048, tokens: 15.6e12 }, 2000);

/**
 * A long list: every plan of a space (`plan --top 100000`). Only the best
 * `recheck` splits are event-simulated; the rest come from the closed form,
 * so the list costs about what the search does (it once event-simulated
 * every plan and kept a sorted insertion list: 177 s for this space).
 */
function longList(): void {
  const input = parseScenarioInput({ system: 'dgx-h100', model: 'llama3-8b', gpus: 64 });
  console.log('\nPlanner: every plan of Llama 3 8B on 64 H100 (dgx-h100), as plan --top 100000');
  const short = timed(() => plan({ input, top: 10 }, catalog));
  const long = timed(() => plan({ input, top: 100_000 }, catalog));
  const r = long.value;
  printFigure('space', `${int(r.considered)} configurations, ${int(r.evaluated)} fit, ${int(r.distinctSplits)} different splits`);
  printFigure('top 10', `${short.seconds.toFixed(2)} s`);
  printFigure(`top 100,000 (${int(r.plans.length)} plans, ${r.rechecked} event simulations)`, `${long.seconds.toFixed(2)} s`);
}
longList();
