/**
 * `clustertwin validate`: the built-in validation suite, prediction beside
 * measurement for every published case, with error statistics per group.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { pc } from '../color.js';
import { invalid } from '../../errors.js';
import { loadPresets } from '../../node/presets.js';
import { withGpuSwapped, type PresetCatalog } from '../../config/catalog.js';
import { loadValidationData } from '../../node/validation-data.js';
import { NETWORK_KINDS, type NetworkKind } from '../../network/make-network.js';
import { runValidation, validationGroupNames } from '../../validation/run-validation.js';
import type { SkippedCase } from '../../validation/training-cases.js';
import type { ValidationReport } from '../../validation/report.js';
import { biasFigures, type BiasFigures } from '../../validation/bias.js';
import { fmt, reportMarkdown, signedPct } from '../../validation/markdown.js';
import { heading, pct, table } from '../format.js';

export function validateCommand(): Command<any, any> {
  return new Command('validate')
    .description('compare the twin with published measurements, and say how far off it is')
    .addHelpText(
      'after',
      `
After the groups it prints the bias over the bounded training rows, per GPU
and overall: the share the twin predicts fast, the median signed error (as
speed: above zero, the twin runs faster than the run did), and how many rows
fall inside the 80% interval built with their own group left out
(leave-one-group-out coverage; --json: bias; docs/accuracy.md).`,
    )
    .option('--group <text>', 'only groups whose name contains this text')
    .addOption(new Option('--network <model>', 'network model for the collective cases').choices(NETWORK_KINDS).default('analytical'))
    .option('--sources', 'print each case\'s source')
    .option(
      '--swap-gpu <from=to>',
      'run the suite with GPU preset TO wherever a system uses FROM (e.g. a calibrated preset from calibration/to-preset.ts); repeatable',
      (spec: string, prev: string[] | undefined) => [...(prev ?? []), spec],
    )
    .addOption(new Option('--json', 'print the whole report as JSON').conflicts('markdown'))
    .option('--markdown', 'print the report as Markdown tables (the README\'s accuracy section)')
    .action((opts) => {
      const data = loadValidationData();
      const swaps: string[] = opts.swapGpu ?? [];
      const catalog = swaps.reduce(swapGpu, loadPresets());
      // With a swapped GPU some cases may not run at all (FP8 on a GPU without it): list them, run the rest.
      const skipped: SkippedCase[] = [];
      const rep = runValidation(data, catalog, { network: opts.network as NetworkKind, only: opts.group, ...(swaps.length ? { skipped } : {}) });
      if (rep.groups.length === 0) {
        throw invalid('--group', `no group name contains "${opts.group}"; groups: ${validationGroupNames(data).join(', ')}`);
      }
      // The twin's lean and its intervals' out-of-sample coverage, from the same rows (validation/bias.ts).
      const bias = biasFigures(rep);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(swaps.length ? { ...rep, bias, skipped } : { ...rep, bias }, null, 2)}\n`);
        return;
      }
      if (opts.markdown) {
        process.stdout.write(reportMarkdown(rep));
        return;
      }
      const notRun = skipped.length ? `${pc.yellow(`${skipped.length} case${skipped.length > 1 ? 's' : ''} cannot run with the swapped GPU and ${skipped.length > 1 ? 'are' : 'is'} left out, e.g. ${skipped[0].id}: ${skipped[0].reason}`)}\n` : '';
      const swapped = swaps.length ? `${heading(`GPU preset swapped: ${swaps.map((x) => x.replace('=', ' -> ')).join(', ')}`)}\n${notRun}` : '';
      process.stdout.write(`${swapped}${renderReport(rep, Boolean(opts.sources))}\n\n${renderBias(bias)}\n`);
    });
}

function swapGpu(catalog: PresetCatalog, spec: string): PresetCatalog {
  const m = /^([^=\s]+)=([^=\s]+)$/.exec(spec);
  if (!m) throw invalid('--swap-gpu', `expected FROM=TO, two GPU preset names (e.g. h100-sxm-80g=h100-sxm-80g-measured), got "${spec}"`);
  return withGpuSwapped(catalog, m[1], m[2], '--swap-gpu');
}

export function renderReport(rep: ValidationReport, sources: boolean): string {
  const out: string[] = [];
  for (const g of rep.groups) {
    out.push(heading(`${g.name}: ${g.description}`));
    const head = ['case', 'measured', 'predicted', 'error', ...(sources ? ['source'] : [])];
    out.push(
      table(
        head,
        g.rows.map((r) => [
          r.config,
          `${fmt(r.measured)} ${r.unit}`,
          `${fmt(r.predicted)} ${r.unit}`,
          r.bounded ? signedPct(r.error) : pc.dim(`${signedPct(r.error)} (not bounded)`),
          ...(sources ? [r.source] : []),
        ]),
        [1, 2, 3],
      ),
    );
    const s = g.stats.cases > 0 ? g.stats : g.allStats;
    const what = g.stats.cases > 0 ? 'bounded rows' : 'rows (reported, not bounded)';
    out.push(`  ${s.cases} ${what}: mean |error| ${pct(s.meanAbsError)}, median ${pct(s.medianAbsError)}, worst ${pct(s.worstAbsError)}\n`);
  }
  const o = rep.overall;
  if (o.cases > 0) out.push(heading(`All groups: ${o.cases} bounded time and throughput rows, mean |error| ${pct(o.meanAbsError)}, median ${pct(o.medianAbsError)}, worst ${pct(o.worstAbsError)}`));
  const m = rep.memory;
  if (m.cases > 0) out.push(heading(`Memory: ${m.cases} bounded per-GPU memory rows, mean |error| ${pct(m.meanAbsError)}, median ${pct(m.medianAbsError)}, worst ${pct(m.worstAbsError)}`));
  if (rep.byGpuAndYear.length > 0) {
    out.push(heading('Training rows by GPU and the year of their software (mean error above zero: the twin runs faster than they did)'));
    out.push(
      table(
        ['GPU', 'software of', 'rows', 'median |error|', 'worst', 'mean error'],
        rep.byGpuAndYear.map((c) => [c.gpu, String(c.softwareYear), String(c.stats.cases), pct(c.stats.medianAbsError), pct(c.stats.worstAbsError), signedPct(c.meanError)]),
        [1, 2, 3, 4, 5],
      ),
    );
  }
  return out.join('\n');
}


/** The bias section: per GPU and overall, the share predicted fast, the median signed error and the intervals' LOGO coverage. */
export function renderBias(b: BiasFigures): string {
  if (b.overall.rows === 0) return '';
  const c = b.intervalCoverage;
  const out = [heading('Bias: bounded training rows (signed error as speed: above zero, the twin runs faster than the run did)')];
  const inside = (gpu?: string): string => {
    const x = gpu === undefined ? c : c.byGpu.find((g) => g.gpu === gpu);
    return x && x.rows > 0 ? `${x.inside} of ${x.rows} (${pct(x.inside / x.rows)})` : '-';
  };
  out.push(
    table(
      ['GPU', 'rows', 'predicted fast', 'median signed error', `inside ${pct(c.nominal, 0)} interval (LOGO)`],
      [
        ...b.byGpu.map((g) => [g.gpu, String(g.rows), pct(g.shareFast), signedPct(g.medianSignedError), inside(g.gpu)]),
        ['all', String(b.overall.rows), pct(b.overall.shareFast), signedPct(b.overall.medianSignedError), inside()],
      ],
      [1, 2, 3, 4],
    ),
  );
  const nb = b.notBounded;
  if (nb.rows > 0) out.push(`  ${nb.rows} of ${nb.ofRows} training rows reported but not held to the bound, each group naming what the twin does not model: ${nb.groups.map((g) => `${g.group} (${g.rows})`).join(', ')}`);
  out.push(`  ${pct(c.nominal, 0)} intervals, each group left out in turn and its rows checked against the intervals the other groups give: ${c.inside} of ${c.rows} inside (${pct(c.logo)}, nominal ${pct(c.nominal, 0)})`);
  return out.join('\n');
}
