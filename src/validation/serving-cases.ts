/**
 * The serving validation groups: measured serving runs (validation/serving-h100-agg.csv, chosen by
 * the rule in scripts/transcribe-serving.ts) beside what `serve` predicts for the same deployment
 * and load: a closed loop of `concurrency` clients with fixed prompt and output lengths, as the
 * source's benchmarks run. Reported, not bounded: the serving model is new and not yet calibrated.
 */
import type { PresetCatalog } from '../config/catalog.js';
import { resolveModelPreset, resolveSystem } from '../config/catalog.js';
import { completeModel } from '../config/model-schema.js';
import { ClusterTwinError } from '../errors.js';
import { serve } from '../serving/serve.js';
import type { WeightFormat } from '../serving/weight-format.js';
import { FRAMEWORKS, type Framework } from '../serving/framework.js';
import type { ValidationRow } from './report.js';
import { relativeError } from './stats.js';

export interface ServingCase {
  id: string;
  /** The framework that served the run. */
  backend: Framework;
  preset: string;
  precision: WeightFormat;
  isl: number;
  osl: number;
  concurrency: number;
  tp: number;
  ep: number;
  /** Measured means, ms; NaN where the source left it blank. */
  ttftMs: number;
  tpotMs: number;
}

/** The source's system name for the rows' machine, as a preset of ours. */
const SYSTEM = 'dgx-h100';
/**
 * Requests each client sends. The rows do not record it; AIConfigurator's own benchmark template
 * sends 20 rounds a client after a warm-up of 2 (`--num-requests concurrency x 20`,
 * `--warmup-request-count concurrency x 2`: generator/config/backend_templates/benchmark/
 * bench_run.sh.j2, MULTI_ROUND default 20). The warm-up ends before the measured requests start,
 * so they start as one burst of `concurrency`, as here.
 */
const REQUESTS_PER_CLIENT = 20;

/**
 * The batch limits the measured deployments ran with, from the configuration generator the
 * source used (AIConfigurator's generator rules and templates, ai-dynamo/aiconfigurator
 * @95ddf241a src/aiconfigurator/generator/rule_plugin/*.rule and backend_templates/):
 * - every framework: max batch (max_num_seqs, max-running-requests, max_batch_size) is the
 *   row's batch size, its concurrency;
 * - TensorRT-LLM: max_num_tokens = batch + isl + 1500 ("agg max_num_tokens = max_batch_size +
 *   SlaConfig.isl + 1500"), chunked prefill off: about one prompt a step beside the decodes;
 * - vLLM and SGLang: the templates pass no token budget, so the framework's default holds.
 */
function measuredLimits(c: ServingCase): { maxBatch: number; maxBatchedTokens?: number } {
  return c.backend === 'trtllm' ? { maxBatch: c.concurrency, maxBatchedTokens: c.concurrency + c.isl + 1500 } : { maxBatch: c.concurrency };
}

function framework(name: string): Framework {
  if (!(FRAMEWORKS as readonly string[]).includes(name)) throw new RangeError(`serving cases: unknown backend ${name}`);
  return name as Framework;
}

export function parseServingCases(csv: string): ServingCase[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const [head, ...rows] = lines;
  const col = Object.fromEntries(head.split(',').map((n, i) => [n, i]));
  return rows.map((line) => {
    const f = line.split(',');
    const num = (name: string): number => (f[col[name]] === '' ? Number.NaN : Number(f[col[name]]));
    return {
      id: f[col.id],
      backend: framework(f[col.backend]),
      preset: f[col.preset],
      precision: f[col.precision] as WeightFormat,
      isl: num('isl'),
      osl: num('osl'),
      concurrency: num('concurrency'),
      tp: num('tp'),
      ep: num('ep'),
      ttftMs: num('ttft_ms'),
      tpotMs: num('tpot_ms'),
    };
  });
}

export interface ServingGroupRows {
  ttft: ValidationRow[];
  tpot: ValidationRow[];
  /** Cases the twin refuses (their reason), reported rather than silently dropped. */
  refused: { id: string; reason: string }[];
}

export function runServingCases(cases: readonly ServingCase[], catalog: PresetCatalog, source: string): ServingGroupRows {
  const system = resolveSystem(catalog, SYSTEM);
  const out: ServingGroupRows = { ttft: [], tpot: [], refused: [] };
  for (const c of cases) {
    const model = completeModel(resolveModelPreset(catalog, c.preset, 'preset') as never);
    let r;
    try {
      r = serve({ system, model, framework: c.backend, ...measuredLimits(c), tp: c.tp, ep: c.ep, weightFormat: c.precision, isl: c.isl, osl: c.osl, load: { kind: 'closed', concurrency: c.concurrency, requests: REQUESTS_PER_CLIENT * c.concurrency } });
    } catch (err) {
      if (!(err instanceof ClusterTwinError)) throw err;
      out.refused.push({ id: c.id, reason: err.message });
      continue;
    }
    const config = `${c.preset} ${c.precision} TP ${c.tp}${c.ep > 1 ? ` EP ${c.ep}` : ''}, ${c.backend}, ${c.isl}/${c.osl}, concurrency ${c.concurrency}`;
    const row = (metric: string, measuredMs: number, predictedSeconds: number): ValidationRow => ({
      id: `serving.${c.id}.${metric}`,
      config,
      metric,
      unit: 'ms',
      measured: measuredMs,
      predicted: predictedSeconds * 1e3,
      error: relativeError(predictedSeconds * 1e3, measuredMs),
      bounded: false,
      source,
      gpu: system.gpu.name,
      framework: c.backend,
    });
    if (Number.isFinite(c.ttftMs) && Number.isFinite(r.ttftSeconds.mean)) out.ttft.push(row('ttftMs', c.ttftMs, r.ttftSeconds.mean));
    if (Number.isFinite(c.tpotMs) && Number.isFinite(r.tpotSeconds.mean)) out.tpot.push(row('tpotMs', c.tpotMs, r.tpotSeconds.mean));
  }
  return out;
}
