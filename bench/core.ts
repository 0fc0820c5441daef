/**
 * Core engine benchmarks: one step, event-level and closed-form.
 */
import { Bench } from 'tinybench';
import { loadPresets } from '../src/node/presets.js';
import { estimateStep, evaluateScenario, resolveScenario, scenarioCosts } from '../src/engine.js';
import { simulateStep } from '../src/schedule/step-simulation.js';
import { LLAMA3_405B_16K } from './scenarios.js';
import { printBench } from './print.js';

const catalog = loadPresets();
const llama = resolveScenario(LLAMA3_405B_16K, catalog);
const gpt3 = resolveScenario(catalog.scenarios.default as never, catalog);

const bench = new Bench({ time: 1000, warmupTime: 200 });
bench
  .add('event simulation: Llama 3 405B step, 16,384 H100 (costs + events)', () => {
    evaluateScenario(llama);
  })
  .add('event simulation: Llama 3 405B step, events only', () => {
    simulateStep(llama.exec, costsLlama, { keepTimeline: false });
  })
  .add('closed-form estimate: Llama 3 405B step, 16,384 H100', () => {
    estimateStep(llama);
  })
  .add('event simulation: GPT-3 175B default scenario (1,024 A100, 96 micro-batches)', () => {
    evaluateScenario(gpt3);
  });
const costsLlama = scenarioCosts(llama);

await bench.run();
printBench('Core: one training step', bench);
