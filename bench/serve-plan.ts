/**
 * serve-plan's speed (the issue asks for >= 1,000 deployments in <= 10 s on 2 cores): Llama 3.1
 * 70B on DGX H100 and DGX A100 80GB at 10 requests/s, 1,024 prompt + 256 output tokens, TTFT p99
 * 2 s and TPOT p99 0.1 s, the default space and probe size. One run, timed (a search takes
 * seconds; tinybench's repeats would add nothing), with how many deployments it considered and
 * how many it simulated.
 */
import { loadPresets } from '../src/node/presets.js';
import { resolveModelPreset, resolveSystem } from '../src/config/catalog.js';
import { completeModel } from '../src/config/model-schema.js';
import { servePlan } from '../src/serving/plan/serve-plan.js';
import { printFigure } from './print.js';

const catalog = loadPresets();
const systems = ['dgx-h100', 'dgx-a100-80g'].map((n) => resolveSystem(catalog, n));
const model = completeModel(resolveModelPreset(catalog, 'llama3.1-70b', 'model') as never);

console.log('\nServing plan');
const started = performance.now();
const r = servePlan({
  systems,
  model,
  ratePerSecond: 10,
  isl: 1024,
  osl: 256,
  targets: [
    { metric: 'ttft', percentile: 99, seconds: 2 },
    { metric: 'tpot', percentile: 99, seconds: 0.1 },
  ],
});
const seconds = (performance.now() - started) / 1000;
printFigure('serve-plan, Llama 3.1 70B on dgx-h100 + dgx-a100-80g, 10 req/s', `${seconds.toFixed(2)} s for ${r.considered.toLocaleString('en')} deployments considered, ${r.simulated} simulated (${r.simulations} probes)`);
printFigure('its answer', r.best ? `${r.best.replicas} x TP ${r.best.tp} ${r.best.weightFormat} on ${r.best.system}, ${r.best.gpus} GPUs, $${r.best.costUsdPerDay.toFixed(0)} a day` : 'none meets the targets');
