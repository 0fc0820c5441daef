/**
 * The serving validation broken down by model and precision: every measured H100 run in
 * validation/serving-h100-agg.csv beside `serve`'s prediction (the same rows `clustertwin validate`
 * reports as serving-h100-{vllm,sglang,trtllm}-{ttft,tpot}, each run on its own framework), with the error
 * per model and precision and overall.
 * About 5 s on 2 cores.
 *
 * Run: npx tsx scripts/validate-serving.ts [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPresets, packageRoot } from '../src/node/presets.js';
import { parseServingCases, runServingCases } from '../src/validation/serving-cases.js';
import { errorStats } from '../src/validation/stats.js';
import type { ValidationRow } from '../src/validation/report.js';

const SOURCE = 'NVIDIA AIConfigurator silicon sample @095f58a5 (validation/serving-h100-agg.csv)';
const cases = parseServingCases(readFileSync(join(packageRoot(), 'validation', 'serving-h100-agg.csv'), 'utf8'));
const r = runServingCases(cases, loadPresets(), SOURCE);

const summary = (rows: ValidationRow[]) => {
  const s = errorStats(rows.map((x) => x.error));
  return { runs: s.cases, medianAbsError: s.medianAbsError, worstAbsError: s.worstAbsError, meanError: rows.reduce((a, x) => a + x.error, 0) / Math.max(1, rows.length) };
};
const byKey = (rows: ValidationRow[]) => {
  const groups = new Map<string, ValidationRow[]>();
  for (const row of rows) {
    const key = row.config.split(' TP')[0];
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return Object.fromEntries([...groups].map(([k, v]) => [k, summary(v)]));
};
const report = { ttft: { all: summary(r.ttft), byModel: byKey(r.ttft) }, tpot: { all: summary(r.tpot), byModel: byKey(r.tpot) }, refused: r.refused };
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ ...report, rows: [...r.ttft, ...r.tpot] }, null, 2));
} else {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  for (const metric of ['ttft', 'tpot'] as const) {
    const m = report[metric];
    console.log(`${metric.toUpperCase()}: ${m.all.runs} runs, median |error| ${pct(m.all.medianAbsError)}, worst ${pct(m.all.worstAbsError)}, mean ${pct(m.all.meanError)} (above 0: the twin slower)`);
    for (const [k, s] of Object.entries(m.byModel)) console.log(`  ${k}: ${s.runs} runs, median |error| ${pct(s.medianAbsError)}, worst ${pct(s.worstAbsError)}, mean ${pct(s.meanError)}`);
  }
  console.log(`refused: ${r.refused.length}`);
}
