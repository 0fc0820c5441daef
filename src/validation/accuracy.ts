/**
 * Stated accuracy: how far the twin was from the published runs on the same
 * GPU and precision, so every prediction can say how much to trust it. The
 * table is generated from the validation suite (`npm run accuracy` writes
 * accuracy-table.ts; a test fails when it no longer matches `validate`).
 */
import type { KernelStyle } from '../config/execution-schema.js';
import { isMemoryRow, meanSpeedError, type ValidationReport, type ValidationRow } from './report.js';
import { errorStats } from './stats.js';

/** bf16 and fp16 run at the same speed: their runs speak for each other. */
export const precisionClass = (p: string): string => (p === 'bf16' || p === 'fp16' ? '16-bit' : p);

export interface AccuracyEntry {
  /** GPU preset name. */
  gpu: string;
  /** `16-bit` (bf16 or fp16) or `fp8`. */
  precision: string;
  /** The stacks' elementwise kernels: fused (Megatron-LM, TE) or eager PyTorch. */
  kernels: KernelStyle;
  /** Mixture-of-experts runs (dense runs do not speak for them, nor they for dense ones). */
  moe: boolean;
  /** Bounded training runs of the suite on this GPU and precision. */
  runs: number;
  medianAbsError: number;
  worstAbsError: number;
  /** Mean error as speed (predicted speed / measured - 1; time rows inverted): above 0, the twin predicts these runs too fast. */
  meanError: number;
  /** Validation groups the runs come from. */
  groups: string[];
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

export function accuracyTable(rep: ValidationReport): AccuracyEntry[] {
  const byKey = new Map<string, { gpu: string; precision: string; kernels: KernelStyle; moe: boolean; rows: ValidationRow[]; groups: Set<string> }>();
  for (const g of rep.groups) {
    for (const r of g.rows) {
      if (!r.bounded || r.gpu === undefined || r.precision === undefined || isMemoryRow(r)) continue;
      const precision = precisionClass(r.precision);
      const kernels = r.kernels ?? 'fused';
      const moe = r.moe ?? false;
      const key = `${r.gpu}|${precision}|${kernels}|${moe}`;
      let e = byKey.get(key);
      if (!e) byKey.set(key, (e = { gpu: r.gpu, precision, kernels, moe, rows: [], groups: new Set() }));
      e.rows.push(r);
      e.groups.add(g.name);
    }
  }
  return [...byKey.values()]
    .map((e) => {
      const stats = errorStats(e.rows.map((r) => r.error));
      return {
        gpu: e.gpu,
        precision: e.precision,
        kernels: e.kernels,
        moe: e.moe,
        runs: stats.cases,
        medianAbsError: round(stats.medianAbsError),
        worstAbsError: round(stats.worstAbsError),
        meanError: round(meanSpeedError(e.rows)),
        groups: [...e.groups],
      };
    })
    .sort((a, b) => a.gpu.localeCompare(b.gpu) || a.precision.localeCompare(b.precision) || a.kernels.localeCompare(b.kernels));
}

/** The accuracy the suite gives for this GPU, precision, kernel style and kind of model (dense or MoE). */
export function accuracyFor(
  table: readonly AccuracyEntry[],
  gpu: string,
  precision: string,
  kernels: KernelStyle = 'fused',
  moe = false,
): AccuracyEntry | undefined {
  return table.find((e) => e.gpu === gpu && e.precision === precisionClass(precision) && e.kernels === kernels && e.moe === moe);
}

/** One sentence for the CLI. */
export function accuracySentence(
  entry: AccuracyEntry | undefined,
  gpuDescription: string,
  precision: string,
  kernels: KernelStyle = 'fused',
  moe = false,
): string {
  if (!entry && moe) return `no bounded mixture-of-experts run on ${gpuDescription} in ${precision} is in the validation suite: this prediction is unchecked (the suite's MoE runs: \`clustertwin validate --group moe\`)`;
  if (!entry) return `no published run on ${gpuDescription} in ${precision} with ${kernels} kernels is in the validation suite yet: this prediction is unchecked`;
  const lean = entry.meanError > 0.03 ? ', the twin running fast on average' : entry.meanError < -0.03 ? ', the twin running slow on average' : '';
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return `${entry.runs} published ${entry.precision} runs on this GPU with ${entry.kernels} kernels in the validation suite: median |error| ${pct(entry.medianAbsError)}, worst ${pct(entry.worstAbsError)} (mean ${entry.meanError >= 0 ? '+' : ''}${pct(entry.meanError)}${lean})`;
}
