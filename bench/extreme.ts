/**
 * Extreme scale (issue #13): a million-GPU step on a fabric that holds it, a 100,000-GPU
 * reliability study with its Monte Carlo, and the 405B job at 60x the failure rate, where the
 * Monte Carlo's event budget trims its trials. Each is timed once, cold, with the process's peak memory.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadPresets } from '../src/node/presets.js';
import { evaluateScenario, resolveScenario } from '../src/engine.js';
import { analyzeReliability } from '../src/reliability/analysis.js';
import { LLAMA3_405B_16K } from './scenarios.js';
import { printFigure } from './print.js';

const catalog = loadPresets();
// The fixture sits in test/; the compiled bench runs from dist/bench, the source from bench/.
const fixture = [new URL('../test/fixtures/hyperscale-system.yaml', import.meta.url), new URL('../../test/fixtures/hyperscale-system.yaml', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => {
    try {
      readFileSync(p);
      return true;
    } catch {
      return false;
    }
  }) as string;
const system = (parse(readFileSync(fixture, 'utf8')) as { system: unknown }).system;

function once(name: string, f: () => string): void {
  const t0 = performance.now();
  const detail = f();
  const ms = performance.now() - t0;
  // The process's peak resident memory so far (the earlier suites included): an upper bound.
  const peakMb = process.resourceUsage().maxRSS / 1024;
  printFigure(name, `${ms.toFixed(0)} ms, process peak ${peakMb.toFixed(0)} MB (${detail})`);
}

console.log('\nExtreme scale (one cold run each)');
once('simulate: Llama 3 8B on 1,048,576 H100 (256-port fat tree), batch 1,048,576', () => {
  const r = evaluateScenario(resolveScenario({ system: system as never, model: 'llama3-8b', gpus: 1_048_576, gbs: 1_048_576 }, catalog));
  return `step ${r.stepTimeSeconds.toFixed(2)} s`;
});
once('reliability: Llama 3 70B on 100,000 H100, 1,000 Monte Carlo trials', () => {
  const s = resolveScenario({ system: system as never, model: 'llama3-70b', gpus: 100_000 }, catalog);
  const work = evaluateScenario(s).timeToTrainSeconds;
  const r = analyzeReliability(s, { kind: 'work', seconds: work }, { trials: 1000, seed: 1 });
  return `goodput ${(r.goodput * 100).toFixed(1)}%, ${r.monteCarlo?.trials ?? 0} trials`;
});
once('reliability: the 405B job at 60x the failure rate (Monte Carlo trimmed to its budget)', () => {
  const s = resolveScenario(LLAMA3_405B_16K, catalog);
  const work = evaluateScenario(s).timeToTrainSeconds;
  const r = analyzeReliability(s, { kind: 'work', seconds: work }, { trials: 1000, seed: 1, rateScale: 60 });
  return `${r.monteCarloLimit?.trials ?? 1000} of 1,000 trials`;
});
