/**
 * Stated accuracy for serving: how far `serve` was from the measured serving runs of the same GPU
 * and framework, per metric (TTFT, TPOT), so `serve` can quote the group that matches its own
 * deployment. Generated into serving-accuracy-table.ts by `npm run accuracy` (a test checks it is
 * current); the engine never reads it (the CLI looks the record up from the report's config).
 */
import { generatedTableModule } from './generated-module.js';
import type { ValidationReport, ValidationRow } from './report.js';
import { errorStats } from './stats.js';

/** The serving metrics the suite measures. */
export type ServingMetric = 'ttft' | 'tpot';

export interface ServingAccuracyEntry {
  gpu: string;
  framework: string;
  metric: ServingMetric;
  group: string;
  runs: number;
  medianAbsError: number;
  worstAbsError: number;
  /** Mean of predicted / measured - 1: above 0, the twin predicts these latencies too long. */
  meanError: number;
  /** Whether the group is held to a bound (no serving group is yet). */
  bounded: boolean;
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** The serving rows' (GPU, framework, metric) groups and their error statistics. */
export function servingAccuracyTable(rep: ValidationReport): ServingAccuracyEntry[] {
  const out: ServingAccuracyEntry[] = [];
  for (const g of rep.groups) {
    const byKey = new Map<string, ValidationRow[]>();
    for (const r of g.rows) {
      if (r.framework === undefined || r.gpu === undefined || (r.metric !== 'ttftMs' && r.metric !== 'tpotMs')) continue;
      const k = `${r.gpu}|${r.framework}|${r.metric}`;
      byKey.set(k, [...(byKey.get(k) ?? []), r]);
    }
    for (const [k, rows] of byKey) {
      const [gpu, framework, metric] = k.split('|');
      const s = errorStats(rows.map((r) => r.error));
      out.push({
        gpu,
        framework,
        metric: metric === 'ttftMs' ? 'ttft' : 'tpot',
        group: g.name,
        runs: s.cases,
        medianAbsError: round(s.medianAbsError),
        worstAbsError: round(s.worstAbsError),
        meanError: round(rows.reduce((a, r) => a + r.error, 0) / rows.length),
        bounded: rows.some((r) => r.bounded),
      });
    }
  }
  return out.sort((a, b) => `${a.gpu}|${a.framework}|${a.metric}`.localeCompare(`${b.gpu}|${b.framework}|${b.metric}`));
}

/** The records for a GPU and framework, one a metric (absent: the suite has no such run). */
export function servingAccuracyFor(table: readonly ServingAccuracyEntry[], gpu: string, framework: string): { ttft: ServingAccuracyEntry | null; tpot: ServingAccuracyEntry | null } {
  const find = (metric: ServingMetric) => table.find((e) => e.gpu === gpu && e.framework === framework && e.metric === metric) ?? null;
  return { ttft: find('ttft'), tpot: find('tpot') };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${pct(x)}`;

/** One sentence for the CLI. */
export function servingAccuracySentence(a: { ttft: ServingAccuracyEntry | null; tpot: ServingAccuracyEntry | null }, gpuDescription: string, framework: string): string {
  if (!a.ttft && !a.tpot) return `no measured ${framework} serving run on ${gpuDescription} is in the validation suite: this prediction is unchecked`;
  const part = (name: string, e: ServingAccuracyEntry | null): string =>
    e ? `${name} median |error| ${pct(e.medianAbsError)}, worst ${pct(e.worstAbsError)} (mean ${signed(e.meanError)}, above 0 the twin slower)` : `${name} not measured`;
  const e = (a.ttft ?? a.tpot) as ServingAccuracyEntry;
  return `${e.runs} measured ${framework} runs on ${gpuDescription} (${e.group.replace(/-(ttft|tpot)$/, '-*')}, reported, not bounded): ${part('TTFT', a.ttft)}; ${part('TPOT', a.tpot)}`;
}

/** The text of the generated serving-accuracy-table.ts (shared by the generator and its staleness test). */
export const servingAccuracyModule = (table: readonly ServingAccuracyEntry[]): string =>
  generatedTableModule('ServingAccuracyEntry', './serving-accuracy.js', 'SERVING_ACCURACY', table);
