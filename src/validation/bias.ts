/**
 * The twin's bias as a figure of its own: over the bounded training rows, per GPU and overall, the
 * share the twin predicts fast and the median signed error (as speed: above zero, the twin runs
 * faster than the run did), and how often the stated intervals (interval.ts) hold a run they were
 * not drawn from: each validation group is left out in turn, the pools built from the other groups,
 * and the left-out group's rows checked against their intervals (leave-one-group-out). Groups, not
 * rows, are left out because a group's runs share a source, a software stack and its errors: leaving
 * one row out would let its siblings vouch for it.
 */
import { isMemoryRow, speedError, type ValidationReport, type ValidationRow } from './report.js';
import { intervalTable, isIntervalRow, NOMINAL_COVERAGE, poolFor, residualsOf, type Residual } from './interval.js';

/** Signed-error figures of a set of rows. */
export interface BiasStats {
  rows: number;
  /** Share of the rows the twin predicts faster than measured (speed error above zero). */
  shareFast: number;
  /** Median speed error (predicted speed / measured - 1): above zero, the twin runs fast. */
  medianSignedError: number;
}

export interface IntervalCoverage {
  /** The intervals' nominal coverage. */
  nominal: number;
  /** Share of the rows inside the interval built without their own group. */
  logo: number;
  rows: number;
  inside: number;
  byGpu: Array<{ gpu: string; rows: number; inside: number; logo: number }>;
  byGroup: Array<{ group: string; rows: number; inside: number }>;
}

/** Training time rows held outside the bound, each group naming the mechanism the twin lacks: a count that should fall, not grow (issue #16). */
export interface NotBounded {
  rows: number;
  /** Of all training time rows with a GPU (bounded or not). */
  ofRows: number;
  groups: Array<{ group: string; rows: number }>;
}

export interface BiasFigures {
  overall: BiasStats;
  notBounded: NotBounded;
  byGpu: Array<{ gpu: string } & BiasStats>;
  intervalCoverage: IntervalCoverage;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function biasStats(rows: readonly ValidationRow[]): BiasStats {
  const e = rows.map(speedError);
  return { rows: e.length, shareFast: e.length ? e.filter((x) => x > 0).length / e.length : 0, medianSignedError: median(e) };
}

/** Leave-one-group-out coverage of the intervals over a report's bounded training rows. */
export function logoCoverage(residuals: readonly Residual[], coverage = NOMINAL_COVERAGE): IntervalCoverage {
  const groups = [...new Set(residuals.map((r) => r.group))];
  const byGpu = new Map<string, { rows: number; inside: number }>();
  const byGroup: IntervalCoverage['byGroup'] = [];
  for (const g of groups) {
    const table = intervalTable(residuals.filter((r) => r.group !== g), coverage);
    const held = residuals.filter((r) => r.group === g);
    let inside = 0;
    for (const r of held) {
      const p = poolFor(table, r);
      const ok = r.logRatio >= p.lowLogRatio && r.logRatio <= p.highLogRatio;
      if (ok) inside++;
      const c = byGpu.get(r.gpu) ?? { rows: 0, inside: 0 };
      c.rows++;
      if (ok) c.inside++;
      byGpu.set(r.gpu, c);
    }
    byGroup.push({ group: g, rows: held.length, inside });
  }
  const inside = byGroup.reduce((s, g) => s + g.inside, 0);
  return {
    nominal: coverage,
    logo: residuals.length ? inside / residuals.length : 0,
    rows: residuals.length,
    inside,
    byGpu: [...byGpu.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([gpu, c]) => ({ gpu, ...c, logo: c.inside / c.rows })),
    byGroup,
  };
}

/** The bias figures of a validation report (training groups only; collectives and serving carry no GPU precision). */
export function biasFigures(rep: ValidationReport, coverage = NOMINAL_COVERAGE): BiasFigures {
  const rows = rep.groups.flatMap((g) => g.rows.filter(isIntervalRow));
  const gpus = [...new Set(rows.map((r) => r.gpu as string))].sort();
  return {
    overall: biasStats(rows),
    notBounded: notBounded(rep),
    byGpu: gpus.map((gpu) => ({ gpu, ...biasStats(rows.filter((r) => r.gpu === gpu)) })),
    intervalCoverage: logoCoverage(residualsOf(rep), coverage),
  };
}

/** The training time rows the suite reports without bounding them, by group. */
export function notBounded(rep: ValidationReport): NotBounded {
  const training = (r: ValidationRow): boolean => r.gpu !== undefined && r.precision !== undefined && r.framework === undefined && !isMemoryRow(r);
  const groups = rep.groups
    .map((g) => ({ group: g.name, rows: g.rows.filter((r) => training(r) && !r.bounded).length }))
    .filter((g) => g.rows > 0);
  return { rows: groups.reduce((a, g) => a + g.rows, 0), ofRows: rep.groups.reduce((a, g) => a + g.rows.filter(training).length, 0), groups };
}
