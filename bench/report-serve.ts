/**
 * `report serve` for the default flags (Llama 3.1 70B on a DGX H100, a closed loop of 16 clients):
 * the user's run, the load curve around it (about ten bounded runs) and the HTML with its three
 * charts, in process (no Node start-up, no file written).
 */
import { Bench } from 'tinybench';
import { resolveModel, resolveSystem } from '../src/config/catalog.js';
import { nodeDocument } from '../src/node/dom.js';
import { loadPresets } from '../src/node/presets.js';
import { reportHtml } from '../src/report/html-report.js';
import { servingCostChart } from '../src/report/charts/serving-cost.js';
import { servingLatencyLoadChart } from '../src/report/charts/serving-latency-load.js';
import { servingTtftHistogramChart, ttftSamples } from '../src/report/charts/serving-ttft-histogram.js';
import { servingLoadCurve } from '../src/report/serving-load-curve.js';
import { serve, type ServeInput } from '../src/serving/serve.js';
import { printBench } from './print.js';

const catalog = loadPresets();
const x: ServeInput = { system: resolveSystem(catalog, 'dgx-h100'), model: resolveModel(catalog, 'llama3.1-70b'), tp: 8, isl: 1024, osl: 1024, load: { kind: 'closed', concurrency: 16, requests: 128 } };

function report(): string {
  let ttft: Float64Array = new Float64Array();
  const user = serve({ ...x, onRecords: (r, from) => (ttft = ttftSamples(r, from)) });
  const curve = servingLoadCurve(x, user);
  const charts = [servingLatencyLoadChart(curve), servingCostChart(curve), servingTtftHistogramChart(ttft, user.ttftSeconds)];
  return reportHtml({ title: 'bench', subtitle: '', accuracy: '', scenarioYaml: '', headline: [], sections: [{ title: 'charts', charts }], notModelled: [], generatedBy: 'bench' }, nodeDocument());
}

const bench = new Bench({ time: 3000, warmupTime: 500, iterations: 3 });
bench.add('report serve: default flags (70B, TP 8, 16 clients), user run + load curve + 3 charts + HTML', () => {
  report();
});
await bench.run();
printBench('Serving report', bench);
