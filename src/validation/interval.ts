/**
 * A stated interval on every prediction: beside the twin's step time (and the time to train, which
 * scales with it), the range the measured figure fell in for published runs of the same kind.
 *
 * Method: split-conformal prediction on the validation suite's residuals. A residual is the log of
 * measured over predicted *time* (a throughput row's ratio is inverted), so above zero means the
 * run took longer than the twin said. For a nominal coverage 1 - a, the interval's bounds are the
 * values of rank floor((n + 1) a/2) and ceil((n + 1)(1 - a/2)) among n exchangeable ones, sorted:
 * the finite-sample correction under which a new draw exchangeable with them falls inside with
 * probability at least 1 - a (Vovk et al., "Algorithmic Learning in a Random World", 2005; Lei et
 * al., "Distribution-Free Predictive Inference for Regression", JASA 2018, section 2). The bounds are
 * equal-tailed rather than symmetric about the point, so a pool the twin predicts fast gives an
 * interval above the point estimate: the bias is stated, not hidden.
 *
 * The runs of one validation group are not independent (one source, one stack, one error), so the
 * groups, not the runs, are the exchangeable units (n is the pool's number of groups):
 * groupConformalBounds pools the groups' residuals, each group weighted alike, and takes the
 * conformal ranks over the groups.
 *
 * The pool is the nearest kind of published run with enough groups for the ranks to exist (9 at 80%):
 * the same GPU, precision, kernel style and scale class, then coarser (see POOL_LEVELS), and where the
 * suite has too few groups on the GPU, every run of the suite (the widest pool), said so. Whether it holds
 * out of sample is measured by leaving each validation group out in turn (bias.ts, `validate`).
 * The table of pools is generated from the suite (`npm run accuracy` writes interval-table.ts).
 */
import { precisionClass } from '../config/accuracy-key.js';
import type { KernelStyle } from '../config/execution-schema.js';
import { isMemoryRow, speedError, type ValidationReport, type ValidationRow } from './report.js';

/** The nominal coverage of every stated interval: 80%, wide enough to mean something, narrow enough to be stated from tens of runs. */
export const NOMINAL_COVERAGE = 0.8;

/**
 * Scale classes by GPU count: one node (NVLink only), one DGX SuperPOD scalable unit (up to 32
 * nodes, 256 GPUs, under one tier of leaf switches), and more (spine-level traffic). The unit is
 * NVIDIA's: the DGX H100 SuperPOD's scalable unit of 32 nodes (docs/sources/fabric.md, docs/sources/intervals.md).
 */
export const SCALE_CLASSES = ['node', 'unit', 'multi-unit'] as const;
export type ScaleClass = (typeof SCALE_CLASSES)[number];
const GPUS_PER_NODE = 8;
const GPUS_PER_SCALABLE_UNIT = 256;

export const scaleClassOf = (gpus: number): ScaleClass => (gpus <= GPUS_PER_NODE ? 'node' : gpus <= GPUS_PER_SCALABLE_UNIT ? 'unit' : 'multi-unit');

const SCALE_WORDS: Record<ScaleClass, string> = {
  node: `${GPUS_PER_NODE} GPUs or fewer`,
  unit: `${GPUS_PER_NODE + 1}-${GPUS_PER_SCALABLE_UNIT} GPUs`,
  'multi-unit': `more than ${GPUS_PER_SCALABLE_UNIT} GPUs`,
};

/** What a prediction's interval is drawn for. */
export interface IntervalKey {
  /** GPU preset name. */
  gpu: string;
  /** bf16, fp16 (counted as one class, 16-bit) or fp8. */
  precision: string;
  kernels: KernelStyle;
  gpus: number;
}

/** A bounded training row's residual: log(measured time / predicted time), with its kind and group. */
export interface Residual {
  gpu: string;
  precision: string;
  kernels: KernelStyle;
  scale?: ScaleClass;
  logRatio: number;
  group: string;
}

/** A pool of residuals and its conformal bounds (log time ratios). A field left out: any. */
export interface IntervalPool {
  gpu?: string;
  precision?: string;
  kernels?: KernelStyle;
  scale?: ScaleClass;
  runs: number;
  lowLogRatio: number;
  highLogRatio: number;
  /** Validation groups the runs come from. */
  groups: string[];
}

/** The interval stated beside a point estimate (seconds). */
export interface StatedInterval {
  low: number;
  high: number;
  /** The nominal coverage (0.8): the measured leave-one-group-out coverage is `validate`'s. */
  coverage: number;
  /** Published runs the interval rests on. */
  runs: number;
  /** The validation groups they come from (the independent draws: see groupConformalBounds). */
  groups: number;
  /** Which pool of runs it was drawn from, in words. */
  basis: string;
  /** False when the suite has too few groups of bounded runs on this GPU: the interval is from every run, and wide. */
  close: boolean;
}

/** The levels a pool falls back through, nearest first; the last (no field) is every run of the suite. */
export const POOL_LEVELS: ReadonlyArray<ReadonlyArray<'gpu' | 'precision' | 'kernels' | 'scale'>> = [
  ['gpu', 'precision', 'kernels', 'scale'],
  ['gpu', 'precision', 'kernels'],
  ['gpu', 'precision'],
  ['gpu'],
  [],
];

/** A row counts when its group's bound holds it and it is a training run's time or throughput. */
export const isIntervalRow = (r: ValidationRow): boolean => r.bounded && r.gpu !== undefined && r.precision !== undefined && !isMemoryRow(r);

/** log(measured time / predicted time): a step-time row's measured/predicted, a throughput row's inverse. */
export const timeLogRatio = (r: ValidationRow): number => Math.log1p(speedError(r));

/** The residuals of a report's bounded training rows, each with the group it comes from. */
export function residualsOf(rep: ValidationReport): Residual[] {
  return rep.groups.flatMap((g) =>
    g.rows.filter(isIntervalRow).map((r) => ({
      gpu: r.gpu as string,
      precision: precisionClass(r.precision as string),
      kernels: r.kernels ?? 'fused',
      ...(r.gpus !== undefined ? { scale: scaleClassOf(r.gpus) } : {}),
      logRatio: timeLogRatio(r),
      group: g.name,
    })),
  );
}

/** The fewest groups for which both conformal ranks exist at this coverage (9 at 80%). */
export const minGroups = (coverage: number): number => Math.ceil(2 / (1 - coverage) - 1e-9) - 1;

/** The 1-based ranks of the conformal bounds among n exchangeable values, or undefined when n is too small. */
function conformalRanks(n: number, coverage: number): { low: number; high: number } | undefined {
  const tail = (1 - coverage) / 2;
  const low = Math.floor((n + 1) * tail + 1e-9);
  const high = Math.ceil((n + 1) * (1 - tail) - 1e-9);
  return low < 1 || high > n ? undefined : { low, high };
}

/**
 * Split-conformal bounds of exchangeable residuals at a coverage: the values of rank
 * floor((n+1)a/2) and ceil((n+1)(1-a/2)) (1-based, sorted), or undefined when n is too small.
 */
export function conformalBounds(logRatios: readonly number[], coverage: number): { low: number; high: number } | undefined {
  const r = conformalRanks(logRatios.length, coverage);
  if (!r) return undefined;
  const s = [...logRatios].sort((a, b) => a - b);
  return { low: s[r.low - 1], high: s[r.high - 1] };
}

/**
 * The same bounds when the exchangeable units are groups of runs, not runs: the runs of one group
 * share a source, a stack and its errors, so the suite holds as many independent draws as groups.
 * The groups' empirical distributions are pooled, each weighted 1/K (CDF pooling: Dunn, Wasserman
 * and Ramdas, "Distribution-Free Prediction Sets for Two-Layer Hierarchical Models", JASA 2023,
 * arXiv:1809.07441), and the bounds taken where the pooled distribution reaches the conformal ranks
 * over the K groups (rank / K). With one run a group this is conformalBounds exactly.
 */
export function groupConformalBounds(groups: ReadonlyArray<readonly number[]>, coverage: number): { low: number; high: number } | undefined {
  const filled = groups.filter((g) => g.length > 0);
  const r = conformalRanks(filled.length, coverage);
  if (!r) return undefined;
  const k = filled.length;
  const weighted = filled.flatMap((g) => g.map((x) => [x, 1 / (k * g.length)] as const)).sort((a, b) => a[0] - b[0]);
  const at = (share: number): number => {
    let cum = 0;
    for (const [x, w] of weighted) {
      cum += w;
      if (cum >= share - 1e-9) return x;
    }
    return weighted[weighted.length - 1][0];
  };
  return { low: at(r.low / k), high: at(r.high / k) };
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
type PoolField = 'gpu' | 'precision' | 'kernels' | 'scale';
const poolKey = (p: Partial<Record<PoolField, string>>): string => `${p.gpu ?? '*'}|${p.precision ?? '*'}|${p.kernels ?? '*'}|${p.scale ?? '*'}`;

function byGroup(rows: readonly Residual[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const r of rows) m.set(r.group, [...(m.get(r.group) ?? []), r.logRatio]);
  return m;
}

/**
 * Every pool at every level that holds enough groups for its bounds, and always the pool of every
 * run (with too few groups even there, its bounds are the least and greatest residual, and zero).
 */
export function intervalTable(residuals: readonly Residual[], coverage = NOMINAL_COVERAGE): IntervalPool[] {
  const pools = new Map<string, { fields: Partial<Record<PoolField, string>>; rows: Residual[] }>();
  for (const r of residuals) {
    for (const level of POOL_LEVELS) {
      if (level.some((f) => r[f] === undefined)) continue;
      const fields = Object.fromEntries(level.map((f) => [f, r[f]])) as Partial<Record<PoolField, string>>;
      const k = poolKey(fields);
      const p = pools.get(k) ?? { fields, rows: [] };
      p.rows.push(r);
      pools.set(k, p);
    }
  }
  const out: IntervalPool[] = [];
  for (const p of pools.values()) {
    const groups = byGroup(p.rows);
    const b = groupConformalBounds([...groups.values()], coverage);
    if (!b) continue;
    out.push({ ...(p.fields as Partial<IntervalPool>), runs: p.rows.length, lowLogRatio: round(b.low), highLogRatio: round(b.high), groups: [...groups.keys()] });
  }
  if (!out.some((p) => poolKey(p) === poolKey({}))) {
    const values = residuals.map((r) => r.logRatio);
    out.push({ runs: values.length, lowLogRatio: round(Math.min(0, ...values)), highLogRatio: round(Math.max(0, ...values)), groups: [...byGroup(residuals).keys()] });
  }
  return out.sort((a, b) => poolKey(a).localeCompare(poolKey(b)));
}

/** What a pool is looked up by: a key's kind, its GPU count as a scale class (absent: any scale). */
export type PoolQuery = Pick<Residual, 'gpu' | 'precision' | 'kernels' | 'scale'>;

export const queryOf = (key: IntervalKey): PoolQuery => ({ gpu: key.gpu, precision: precisionClass(key.precision), kernels: key.kernels, scale: scaleClassOf(key.gpus) });

/** The nearest pool: the first level whose pool the table holds (the last, every run, always). */
export function poolFor(table: readonly IntervalPool[], q: PoolQuery): IntervalPool {
  const byKey = new Map(table.map((p) => [poolKey(p), p]));
  for (const level of POOL_LEVELS) {
    if (level.some((f) => q[f] === undefined)) continue;
    const p = byKey.get(poolKey(Object.fromEntries(level.map((f) => [f, q[f]]))));
    if (p) return p;
  }
  throw new Error('interval table without the pool of every run');
}

/** The pool in words: `h100-sxm-80g, fp8, fused kernels, more than 256 GPUs`, `..., any scale`. */
export function basisOf(p: IntervalPool, key: { gpu: string }, coverage = NOMINAL_COVERAGE): string {
  if (p.gpu === undefined) return `fewer than ${minGroups(coverage)} groups of bounded runs on ${key.gpu} in the suite, so every GPU, precision and scale: wide`;
  const parts = [p.gpu, p.precision ?? '', p.kernels ? `${p.kernels} kernels` : '', p.scale ? SCALE_WORDS[p.scale] : ''].filter((x) => x !== '');
  const any = [p.precision ? '' : 'precision', p.kernels ? '' : 'kernels', p.scale ? '' : 'scale'].filter((x) => x !== '');
  if (any.length) parts.push(`any ${any.length > 1 ? `${any.slice(0, -1).join(', ')} and ${any[any.length - 1]}` : any[0]}`);
  return parts.join(', ');
}

/** The interval around a point estimate (seconds) from a pool. */
export function intervalAround(seconds: number, p: IntervalPool, key: IntervalKey, coverage = NOMINAL_COVERAGE): StatedInterval {
  return { low: seconds * Math.exp(p.lowLogRatio), high: seconds * Math.exp(p.highLogRatio), coverage, runs: p.runs, groups: p.groups.length, basis: basisOf(p, key, coverage), close: p.gpu !== undefined };
}

/** A prediction's intervals, as `--json` gives them beside stepTimeSeconds and timeToTrainSeconds. */
export interface PredictionIntervals {
  stepTimeInterval: StatedInterval;
  timeToTrainInterval: StatedInterval;
}

/** The intervals on a prediction's step time and time to train (which scales with the step: the same ratios). */
export function predictionIntervals(
  table: readonly IntervalPool[],
  key: IntervalKey,
  figures: { stepTimeSeconds: number; timeToTrainSeconds: number },
): PredictionIntervals {
  const p = poolFor(table, queryOf(key));
  return { stepTimeInterval: intervalAround(figures.stepTimeSeconds, p, key), timeToTrainInterval: intervalAround(figures.timeToTrainSeconds, p, key) };
}

/** `1.23-1.41 s` when both ends print in one unit, else `58.0 min-2.10 h`. */
export function rangeText(i: StatedInterval, format: (seconds: number) => string): string {
  const lo = format(i.low);
  const hi = format(i.high);
  const unit = (s: string): string => s.slice(s.lastIndexOf(' ') + 1);
  return unit(lo) === unit(hi) && lo.includes(' ') ? `${lo.slice(0, lo.lastIndexOf(' '))}-${hi}` : `${lo}-${hi}`;
}

/** Where an interval comes from, in words: `from 83 published runs in 10 groups like this: h100-sxm-80g, ...`. */
export function intervalSource(i: StatedInterval): string {
  const runs = `${i.runs} published run${i.runs === 1 ? '' : 's'} in ${i.groups} group${i.groups === 1 ? '' : 's'}`;
  return i.close ? `from ${runs} like this: ${i.basis}` : `from all ${runs}: ${i.basis}`;
}

/** The CLI's words: `1.23-1.41 s (from 83 published runs in 10 groups like this: h100-sxm-80g, ...)`. */
export const intervalText = (i: StatedInterval, format: (seconds: number) => string): string => `${rangeText(i, format)} (${intervalSource(i)})`;

/** `80% interval` */
export const intervalLabel = (i: StatedInterval): string => `${Math.round(i.coverage * 100)}% interval`;
