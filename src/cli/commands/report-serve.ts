/**
 * `clustertwin report serve`: the serving report. One self-contained HTML file (or one SVG or PNG
 * file a chart) with the deployment and its load, serve's headline figures and stated accuracy,
 * and charts: latency percentiles and cost per million tokens against load (the deployment run at
 * several loads around the user's: src/report/serving-load-curve.ts) and the time to first token
 * request by request at the user's load. It takes serve's flags (serve-options.ts), so its figures
 * at the user's load are `serve --json`'s for the same flags. Thin: parse, run, chart, write.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { POOL_EXAMPLE, POOL_HELP, addPoolOptions } from './serve-pools.js';
import { LENGTHS_HELP, addServeOptions } from './serve-options.js';

export const FORMATS = ['html', 'svg', 'png'] as const;
/** This command's own flags, which are not serve's (left out of the serve command line the report quotes). */
export const REPORT_FLAGS = new Set(['out', 'format', 'outDir', 'json']);
/** The bar appears only when the work has taken this long (the default report takes well under it). */
export const BAR_AFTER_MS = 1000;

export function reportServeCommand(): Command<any, any> {
  return addPoolOptions(
    addServeOptions(new Command('serve').description('a serving report: latency percentiles and cost per million tokens against load, the TTFT distribution, as one HTML file or SVG/PNG charts'))
      .option('--out <file>', 'the HTML file to write', 'serve-report.html')
      .addOption(new Option('--format <f>', 'one HTML file (--out), or one SVG or PNG file a chart (--out-dir)').choices([...FORMATS]).default('html'))
      .option('--out-dir <dir>', 'with --format svg|png: the existing folder to write the charts into (<chart id>.svg|png)')
      .option('--json', 'print the files written and the headline figures as one JSON object'),
  )
    .addHelpText(
      'after',
      `
Takes serve's flags (clustertwin serve --help) and writes what serve prints as a report: the
deployment and its load, TTFT, TPOT and end-to-end p50/p90/p99, throughput, cost per million output
tokens and per day, the stated accuracy, and charts. The latency and cost charts run the same
deployment at about ten loads around yours (arrival rates from light to past the estimated
capacity for --rate and --trace, client counts for a closed loop); your load is your run itself,
each other a bounded run (their caption says how many requests). The HTML file is self-contained:
no script, no request leaves it.

${LENGTHS_HELP}${POOL_HELP}

Examples:
  clustertwin report serve --out serve-report.html
  clustertwin report serve --model llama3.1-8b --tp 1 --replicas 8 --rate 40 --duration 10m --out fleet.html
  clustertwin report serve --model llama3.1-70b --tp 8 --concurrency 64 --isl 2048 --osl 256 --format svg --out-dir charts
  clustertwin report serve --model qwen3-32b --tp 2 --framework sglang --rate 10 --format png --out-dir slides --json
${POOL_EXAMPLE.replace('clustertwin serve', 'clustertwin report serve')}`,
    )
    // The charts, Plot and linkedom load only when a report is written, not at every start of the CLI.
    .action(async (raw, cmd) => (await import('./report-serve-run.js')).runReportServe(raw as Record<string, unknown>, cmd));
}
