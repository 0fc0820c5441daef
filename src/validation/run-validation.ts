/**
 * Runs the built-in validation suite: every published case, predicted by
 * the twin. The data (validation/*.yaml) is handed in by the caller.
 */
import type { PresetCatalog } from '../config/catalog.js';
import type { NetworkKind } from '../network/make-network.js';
import { formatBytesShort } from '../units.js';
import { parseCollectiveCases, runCollectiveCase } from './collective-cases.js';
import { group, report, type ValidationReport, type ValidationRow } from './report.js';
import { parseTrainingGroups, runTrainingGroup, type SkippedCase } from './training-cases.js';
import { parseServingCases, runServingCases } from './serving-cases.js';
import { FRAMEWORKS } from '../serving/framework.js';

export interface ValidationData {
  collectives: unknown;
  training: unknown;
  /** Measured serving runs (validation/serving-h100-agg.csv), as text; absent: no serving groups. */
  serving?: string;
}

const SERVING_SOURCE = "NVIDIA AIConfigurator's silicon sample @095f58a5 (ai-dynamo/aiconfigurator, Apache-2.0), rows chosen by the rule in scripts/transcribe-serving.ts";

export interface ValidationOptions {
  network?: NetworkKind;
  /** Only groups whose name contains this text. */
  only?: string;
  /**
   * List the cases the engine refuses here instead of failing (for a catalog the user changed,
   * e.g. a swapped GPU that lacks FP8): the suite as shipped must run every case.
   */
  skipped?: SkippedCase[];
}

const SINGLE_NODE = 'collectives-single-node';
const FRAMEWORK_NAMES: Record<string, string> = { vllm: 'vLLM', sglang: 'SGLang', trtllm: 'TensorRT-LLM' };
/** One serving group a framework and metric: their errors differ by scheduler, so each is stated apart. */
const SERVING_FRAMEWORKS = FRAMEWORKS;
const servingGroup = (framework: string, metric: 'ttft' | 'tpot'): string => `serving-h100-${framework}-${metric}`;
const SERVING_GROUPS = SERVING_FRAMEWORKS.flatMap((f) => [servingGroup(f, 'ttft'), servingGroup(f, 'tpot')]);
const MULTI_NODE = 'collectives-multi-node';

/** The suite's group names, without running it (for messages). */
export function validationGroupNames(data: ValidationData): string[] {
  return [...parseTrainingGroups(data.training).map((g) => g.name), ...(data.serving !== undefined ? SERVING_GROUPS : []), SINGLE_NODE, MULTI_NODE];
}

export function runValidation(data: ValidationData, catalog: PresetCatalog, opts: ValidationOptions = {}): ValidationReport {
  const network = opts.network ?? 'analytical';
  const groups = [];
  for (const g of parseTrainingGroups(data.training)) {
    if (opts.only && !g.name.includes(opts.only)) continue;
    const label = g.bounded ? `bound ${Math.round(g.bound * 100)}%` : 'reported, not bounded';
    groups.push(group(g.name, `${g.description} (${label})`, runTrainingGroup(g, catalog, opts.skipped)));
  }
  // Serving: measured TTFT and TPOT beside `serve`'s, reported only (the serving model is new).
  const wanted = (name: string): boolean => !opts.only || name.includes(opts.only);
  if (data.serving !== undefined && SERVING_GROUPS.some(wanted)) {
    const all = parseServingCases(data.serving);
    for (const framework of SERVING_FRAMEWORKS) {
      if (!wanted(servingGroup(framework, 'ttft')) && !wanted(servingGroup(framework, 'tpot'))) continue;
      const r = runServingCases(all.filter((c) => c.backend === framework), catalog, SERVING_SOURCE);
      const refused = r.refused.length ? `; ${r.refused.length} runs the twin refuses, left out` : '';
      const what = `aggregated H100 SXM runs on ${FRAMEWORK_NAMES[framework]}, closed loop at the measured concurrency, --framework ${framework}`;
      if (wanted(servingGroup(framework, 'ttft'))) groups.push(group(servingGroup(framework, 'ttft'), `mean time to first token, ${what} (reported, not bounded${refused})`, r.ttft));
      if (wanted(servingGroup(framework, 'tpot'))) groups.push(group(servingGroup(framework, 'tpot'), `mean time per output token, ${what} (reported, not bounded${refused})`, r.tpot));
    }
  }
  const cases = parseCollectiveCases(data.collectives);
  const single = cases.filter((c) => c.gpus <= 8);
  const multi = cases.filter((c) => c.gpus > 8);
  const toRows = (cs: typeof cases): ValidationRow[] =>
    cs.flatMap((c) =>
      runCollectiveCase(c, catalog, network).map((r) => ({
        id: c.id,
        config: `${c.system}, ${c.gpus} GPUs, ${c.op} ${c.algo === 'auto' ? '' : `${c.algo} `}${formatBytesShort(r.bytes)}`,
        metric: 'busbw',
        unit: 'GB/s',
        measured: r.measuredBusbwGBps,
        predicted: r.predictedBusbwGBps,
        error: r.error,
        bounded: r.bounded,
        source: c.source,
      })),
    );
  if (opts.only && !'collectives'.includes(opts.only) && !opts.only.includes('collectives')) return report(groups);
  groups.push(group(SINGLE_NODE, 'nccl-tests all_reduce bus bandwidth in one node (bound: 10% from 64 MB)', toRows(single)));
  groups.push(group(MULTI_NODE, 'nccl-tests all_reduce bus bandwidth across nodes', toRows(multi)));
  const chosen = opts.only ? groups.filter((g) => g.name.includes(opts.only as string)) : groups;
  return report(chosen);
}
