/**
 * The validation report as Markdown: a summary table per group, then each
 * training group's cases in a collapsible block. The README's "How accurate
 * is it?" section is this text (a test keeps the two equal).
 */
import type { ValidationReport } from './report.js';
import { biasFigures } from './bias.js';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
/** A relative error with its sign, as the reports print it. */
export const signedPct = (e: number): string => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
/** A measured or predicted figure with three or four significant digits. */
export const fmt = (x: number): string => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(3));

/** Groups whose rows are listed case by case (the collective sweeps and the 706 serving runs are many and alike: `clustertwin validate --group NAME` lists them). */
const listed = (name: string): boolean => !name.startsWith('collectives') && !name.startsWith('serving');

export function reportMarkdown(rep: ValidationReport): string {
  const out: string[] = ['| group | rows | mean abs error | median | worst |', '|---|---|---|---|---|'];
  for (const g of rep.groups) {
    const bounded = g.stats.cases > 0;
    const s = bounded ? g.stats : g.allStats;
    const name = bounded ? g.name : `${g.name} (reported, not bounded)`;
    out.push(`| ${name} | ${s.cases} | ${pct(s.meanAbsError)} | ${pct(s.medianAbsError)} | ${pct(s.worstAbsError)} |`);
  }
  const o = rep.overall;
  out.push(`| **all bounded time and throughput rows** | ${o.cases} | ${pct(o.meanAbsError)} | ${pct(o.medianAbsError)} | ${pct(o.worstAbsError)} |`);
  const mem = rep.memory;
  if (mem.cases > 0) out.push(`| **all bounded memory rows** | ${mem.cases} | ${pct(mem.meanAbsError)} | ${pct(mem.medianAbsError)} | ${pct(mem.worstAbsError)} |`);
  if (rep.byGpuAndYear.length > 0) {
    out.push('', 'Bounded training rows by GPU and the year of the software that ran them (mean error above zero: the twin runs faster than the runs did):', '');
    out.push('| GPU | software of | rows | median abs error | worst | mean error |', '|---|---|---|---|---|---|');
    for (const c of rep.byGpuAndYear) {
      out.push(`| ${c.gpu} | ${c.softwareYear} | ${c.stats.cases} | ${pct(c.stats.medianAbsError)} | ${pct(c.stats.worstAbsError)} | ${signedPct(c.meanError)} |`);
    }
  }
  const bias = biasFigures(rep);
  if (bias.overall.rows > 0) {
    const c = bias.intervalCoverage;
    const inside = (x: { rows: number; inside: number } | undefined): string => (x && x.rows > 0 ? `${x.inside} of ${x.rows} (${pct(x.inside / x.rows)})` : '-');
    out.push('', `Bias over the bounded training rows (signed error as speed: above zero, the twin runs faster than the run did), and how many rows fall inside their ${Math.round(c.nominal * 100)}% interval built without their own group (leave-one-group-out; [docs/accuracy.md](docs/accuracy.md)):`, '');
    out.push('| GPU | rows | predicted fast | median signed error | inside interval (LOGO) |', '|---|---|---|---|---|');
    for (const g of bias.byGpu) out.push(`| ${g.gpu} | ${g.rows} | ${pct(g.shareFast)} | ${signedPct(g.medianSignedError)} | ${inside(c.byGpu.find((x) => x.gpu === g.gpu))} |`);
    out.push(`| **all** | ${bias.overall.rows} | ${pct(bias.overall.shareFast)} | ${signedPct(bias.overall.medianSignedError)} | ${inside(c)} |`);
    const nb = bias.notBounded;
    if (nb.rows > 0) out.push('', `${nb.rows} of ${nb.ofRows} training rows are reported but not held to the bound, each group naming what the twin does not model: ${nb.groups.map((g) => `${g.group} (${g.rows})`).join(', ')}.`);
  }
  for (const g of rep.groups.filter((x) => listed(x.name))) {
    out.push('', `<details><summary>${g.name}: ${g.description}</summary>`, '', '| case | measured | predicted | error |', '|---|---|---|---|');
    for (const r of g.rows) {
      out.push(`| ${r.config} | ${fmt(r.measured)} ${r.unit} | ${fmt(r.predicted)} ${r.unit} | ${signedPct(r.error)}${r.bounded ? '' : ' (not bounded)'} |`);
    }
    out.push('', '</details>');
  }
  return `${out.join('\n')}\n`;
}
