/**
 * Where a report subcommand writes (`report fleet`, `report facility`): one HTML file (--out), or
 * one SVG or PNG file a chart (--format svg|png --out-dir). Checked before any work, written only
 * once everything is computed (nothing half-written).
 */
import { Option, type Command } from '@commander-js/extra-typings';
import { ClusterTwinError } from '../../errors.js';
import { checkOutputDir, writeChartFiles, type ChartFileFormat } from '../../node/chart-files.js';
import { nodeDocument } from '../../node/dom.js';
import { checkOutputFile, writeOutputFile } from '../../node/output-file.js';
import type { Chart } from '../../report/chart.js';
import { reportHtml, type ReportDocument } from '../../report/html-report.js';

export const OUTPUT_FORMATS = ['html', 'svg', 'png'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** The output flags, by attribute name: left out of the command line a report quotes. */
export const OUTPUT_FLAGS: ReadonlySet<string> = new Set(['out', 'format', 'outDir', 'json']);

/** The output flags on `cmd`; `defaultOut` is the HTML file's default name. */
export function addOutputOptions<C extends Command<any, any>>(cmd: C, defaultOut: string): C {
  cmd
    .option('--out <file>', 'the HTML file to write', defaultOut)
    .addOption(new Option('--format <f>', 'one HTML file (--out), or one SVG or PNG file a chart (--out-dir)').choices([...OUTPUT_FORMATS]).default('html'))
    .option('--out-dir <dir>', 'with --format svg|png: the existing folder to write the charts into (<chart id>.svg|png)')
    .option('--json', 'print the files written, the chart ids and the headline figures as one JSON object');
  return cmd;
}

/** Refuses, before any work, a place to write that is not there or flags that do not go together. */
export function checkOutput(opts: Record<string, unknown>, cmd: Command<any, any>): OutputFormat {
  const format = opts.format as OutputFormat;
  if (format === 'html') {
    if (opts.outDir !== undefined) throw new ClusterTwinError('invalid_value', '--out-dir', 'holds SVG or PNG charts: give --format svg or --format png, or leave --out-dir out for one HTML file (--out)');
    checkOutputFile(String(opts.out));
  } else {
    if (cmd.getOptionValueSource('out') === 'cli') throw new ClusterTwinError('invalid_value', '--out', `names the HTML file; with --format ${format} give the folder with --out-dir`);
    if (opts.outDir === undefined) throw new ClusterTwinError('invalid_value', '--out-dir', `--format ${format} writes one file a chart: give the folder to write them into`);
    checkOutputDir(String(opts.outDir));
  }
  return format;
}

/** Writes the report (HTML) or its charts (SVG, PNG); returns the paths written. */
export function writeReport(opts: Record<string, unknown>, format: OutputFormat, doc: () => ReportDocument, charts: readonly Chart[]): string[] {
  if (format === 'html') {
    const out = String(opts.out);
    writeOutputFile(out, reportHtml(doc(), nodeDocument()));
    return [out];
  }
  return writeChartFiles(String(opts.outDir), charts, format as ChartFileFormat);
}

/** The footer: which clustertwin wrote the report, and when. */
export const generatedBy = (): string => `clustertwin 0.1.0, ${new Date().toISOString().slice(0, 10)}`;
