/**
 * Fabric benchmarks: the flow-level model at 16,384 GPUs. Each run builds its
 * topology and flows from scratch (no cached answers).
 */
import { loadPresets } from '../src/node/presets.js';
import { resolveSystem } from '../src/config/catalog.js';
import { evaluateScenario, resolveScenario } from '../src/engine.js';
import { flowNetwork } from '../src/network/flow/flow-network.js';
import { packedGroup } from '../src/network/network-model.js';
import { LLAMA3_405B_16K } from './scenarios.js';
import { printFigure } from './print.js';

const catalog = loadPresets();
const system = resolveSystem(catalog, 'dgx-h100');

function timeIt(runs: number, f: () => void): { meanMs: number; heapMB: number } {
  f(); // warm up the JIT
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    f();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  return { meanMs: (performance.now() - t0) / runs, heapMB: (peak - heap0) / 2 ** 20 };
}

console.log(`\nFabric: flow-level model (${system.name}, ${system.fabric.tiers}-tier fat tree of radix ${system.fabric.switchRadix})`);
for (const algorithm of ['ring', 'tree', 'nvls'] as const) {
  const r = timeIt(3, () => {
    const net = flowNetwork(system, 16384);
    net.collective({ op: 'allreduce', bytes: 8 * 2 ** 30, group: packedGroup(16384, 8), algorithm });
  });
  printFigure(`all-reduce across 16,384 GPUs, ${algorithm} (topology + flows + max-min)`, `${r.meanMs.toFixed(0)} ms per run, heap growth ${r.heapMB.toFixed(0)} MB`);
}
const step = timeIt(3, () => {
  evaluateScenario(resolveScenario({ ...LLAMA3_405B_16K, vp: 2, network: 'flow' }, catalog));
});
printFigure('flow-level step simulation, Llama 3 405B on 16,384 H100 (TP 8, PP 16, VP 2)', `${step.meanMs.toFixed(0)} ms per run, heap growth ${step.heapMB.toFixed(0)} MB`);
printFigure('process resident memory after the fabric benchmarks', `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
