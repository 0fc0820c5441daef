/**
 * Stated accuracy: how far the twin was from the published runs of the same kind (GPU, precision,
 * kernels, dense or MoE, sharded weights or not), so every prediction can say how much to trust
 * it. The table is generated from the validation suite (`npm run accuracy` writes
 * accuracy-table.ts; a test fails when it no longer matches `validate`).
 */
import { precisionClass, type AccuracyKey } from '../config/accuracy-key.js';
import type { KernelStyle } from '../config/execution-schema.js';
import { isMemoryRow, meanSpeedError, type ValidationReport, type ValidationRow } from './report.js';
import { errorStats } from './stats.js';

export { precisionClass };

/** Error statistics of a set of runs. */
export interface AccuracyStats {
  runs: number;
  medianAbsError: number;
  worstAbsError: number;
  /** Mean error as speed (predicted speed / measured - 1; time rows inverted): above 0, the twin predicts these runs too fast. */
  meanError: number;
  /** Validation groups the runs come from. */
  groups: string[];
}

export interface AccuracyEntry extends AccuracyKey, AccuracyStats {
  /** `runs` and the statistics beside it are over the bounded runs of this kind (0 when it has none). */
  runs: number;
  /**
   * The runs of this kind reported beside the suite but not held to its bound (each group says why),
   * with the least error among them: how far off they were still speaks for a prediction of the kind.
   */
  reported?: AccuracyStats & { bestAbsError: number };
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

const keyOf = (k: AccuracyKey): string => `${k.gpu}|${k.precision}|${k.kernels}|${k.moe}|${k.shardedWeights}`;

function stats(rows: readonly ValidationRow[], groups: Iterable<string>): AccuracyStats {
  const s = errorStats(rows.map((r) => r.error));
  return { runs: s.cases, medianAbsError: round(s.medianAbsError), worstAbsError: round(s.worstAbsError), meanError: round(meanSpeedError(rows)), groups: [...new Set(groups)] };
}

export function accuracyTable(rep: ValidationReport): AccuracyEntry[] {
  const byKey = new Map<string, { key: AccuracyKey; bounded: Array<[ValidationRow, string]>; reported: Array<[ValidationRow, string]> }>();
  for (const g of rep.groups) {
    for (const r of g.rows) {
      if (r.gpu === undefined || r.precision === undefined || isMemoryRow(r)) continue;
      const key: AccuracyKey = { gpu: r.gpu, precision: precisionClass(r.precision), kernels: r.kernels ?? 'fused', moe: r.moe ?? false, shardedWeights: r.shardedWeights ?? false };
      let e = byKey.get(keyOf(key));
      if (!e) byKey.set(keyOf(key), (e = { key, bounded: [], reported: [] }));
      (r.bounded ? e.bounded : e.reported).push([r, g.name]);
    }
  }
  return [...byKey.values()]
    .map((e) => {
      const entry: AccuracyEntry = {
        ...e.key,
        ...(e.bounded.length ? stats(e.bounded.map(([r]) => r), e.bounded.map(([, g]) => g)) : { runs: 0, medianAbsError: 0, worstAbsError: 0, meanError: 0, groups: [] }),
      };
      if (e.reported.length) {
        const rows = e.reported.map(([r]) => r);
        entry.reported = { ...stats(rows, e.reported.map(([, g]) => g)), bestAbsError: round(Math.min(...rows.map((r) => Math.abs(r.error)))) };
      }
      return entry;
    })
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

/** The suite's record for this kind of prediction (undefined when it has no run of the kind, bounded or reported). */
export function accuracyForKey(table: readonly AccuracyEntry[], key: AccuracyKey): AccuracyEntry | undefined {
  const k = keyOf({ ...key, precision: precisionClass(key.precision) });
  return table.find((e) => keyOf(e) === k);
}

/** The accuracy the suite gives for this GPU, precision, kernel style, kind of model (dense or MoE) and weight sharding. */
export function accuracyFor(
  table: readonly AccuracyEntry[],
  gpu: string,
  precision: string,
  kernels: KernelStyle = 'fused',
  moe = false,
  shardedWeights = false,
): AccuracyEntry | undefined {
  return accuracyForKey(table, { gpu, precision, kernels, moe, shardedWeights });
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${pct(x)}`;
const lean = (meanError: number): string => (meanError > 0.03 ? ', the twin running fast on average' : meanError < -0.03 ? ', the twin running slow on average' : '');

/** `fused kernels`, `fused kernels and weights sharded (ZeRO-3/FSDP)`: the kind of run a record speaks for. */
const kindWords = (kernels: KernelStyle, shardedWeights: boolean): string => `${kernels} kernels${shardedWeights ? ' and weights sharded (ZeRO-3/FSDP)' : ''}`;

/** How far off the reported (not bounded) runs of the kind were: `6 ... were 42.6%-118.7% off (mean +75.4%, ...)`. */
function reportedWords(r: NonNullable<AccuracyEntry['reported']>, runs: string): string {
  if (r.runs === 1) return `${runs} was ${pct(r.worstAbsError)} off (the twin running ${r.meanError >= 0 ? 'fast' : 'slow'})`;
  return `${runs} were ${pct(r.bestAbsError)}-${pct(r.worstAbsError)} off (mean ${signed(r.meanError)}${lean(r.meanError)})`;
}

/** One sentence for the CLI. */
export function accuracySentence(
  entry: AccuracyEntry | undefined,
  gpuDescription: string,
  precision: string,
  kernels: KernelStyle = 'fused',
  moe = false,
  shardedWeights = false,
): string {
  const kind = kindWords(kernels, shardedWeights);
  if (!entry || entry.runs === 0) {
    const none = moe
      ? `no bounded mixture-of-experts run on ${gpuDescription} in ${precision}${shardedWeights ? ' with weights sharded (ZeRO-3/FSDP)' : ''} is in the validation suite: this prediction is unchecked`
      : `no ${entry ? 'bounded ' : ''}published run on ${gpuDescription} in ${precision} with ${kind} is in the validation suite${entry ? '' : ' yet'}: this prediction is unchecked`;
    if (entry?.reported) {
      const n = entry.reported.runs;
      return `${none}; the suite's ${n === 1 ? 'one run' : `${n} runs`} of this kind reported but not held to its bound ${reportedWords(entry.reported, '').trimStart()}`;
    }
    return moe ? `${none} (the suite's MoE runs: \`clustertwin validate --group moe\`)` : none;
  }
  const bounded = `${entry.runs} published ${entry.precision} runs on this GPU with ${kind} in the validation suite: median |error| ${pct(entry.medianAbsError)}, worst ${pct(entry.worstAbsError)} (mean ${signed(entry.meanError)}${lean(entry.meanError)})`;
  if (!entry.reported) return bounded;
  const n = entry.reported.runs;
  return `${bounded}; ${reportedWords(entry.reported, `${n === 1 ? 'one more run' : `${n} more`}, reported but not held to the bound,`)}`;
}
