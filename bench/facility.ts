/**
 * Facility benchmarks: the building of a 16,384-GPU cluster without a job (what fleet's report asks
 * for) and with the Llama 3 405B step's timeline and power swing.
 */
import { Bench } from 'tinybench';
import { loadPresets } from '../src/node/presets.js';
import { resolveScenario } from '../src/engine.js';
import { facilityReport } from '../src/facility/index.js';
import { LLAMA3_405B_16K } from './scenarios.js';
import { printBench } from './print.js';

const catalog = loadPresets();
const llama = resolveScenario(LLAMA3_405B_16K, catalog);

const bench = new Bench({ time: 1000, warmupTime: 200 });
bench
  .add('facility: 16,384 H100, no job (fabric counts, power, cost)', () => {
    facilityReport(llama.system, 16_384);
  })
  .add('facility: 16,384 H100 with the Llama 3 405B step timeline and power swing', () => {
    facilityReport(llama.system, 16_384, { scenario: llama });
  });

await bench.run();
printBench('Facility', bench);
