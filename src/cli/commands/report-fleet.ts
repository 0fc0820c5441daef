/**
 * `clustertwin report fleet`: the fleet report. One self-contained HTML file (or one SVG or PNG file
 * a chart) with the fleet's headline figures, its GPU-hours by state and its figures by job size,
 * charts over time (GPUs by state, utilisation, the queue) and by job size (queueing delay, goodput),
 * the building its GPUs need, and what is not modelled. It takes fleet's flags (addFleetOptions), so
 * its figures are `fleet --json`'s for the same flags. Thin: parse, run, chart, write.
 */
import { Command } from '@commander-js/extra-typings';
import { addFleetOptions } from './fleet.js';
import { addOutputOptions } from './report-output.js';

export function reportFleetCommand(): Command<any, any> {
  return addOutputOptions(
    addFleetOptions(new Command('fleet').description("a fleet report: GPUs by state, utilisation and the queue over time, queueing delay and goodput by job size, the building, as one HTML file or SVG/PNG charts")),
    'fleet-report.html',
  )
    .addHelpText(
      'after',
      `
Takes fleet's flags (clustertwin fleet --help) and writes what fleet prints as a report with
charts. The charts over time draw the hourly samples in buckets of whole hours (at most 360
points), so a year draws as fast as a week. The HTML file is self-contained: no script, no
request leaves it. --format svg|png writes each chart to --out-dir as <chart id>.svg|png.

Examples:
  clustertwin report fleet --gpus 2048 --days 30 --generator acme-seren --out fleet.html
  clustertwin report fleet --gpus 10752 --days 90 --generator philly --hot-spares 16 --out fleet90.html
  clustertwin report fleet --gpus 4096 --days 14 --trace jobs.csv --scheduler priority --format png --out-dir charts --json`,
    )
    // The charts, Plot and linkedom load only when a report is written, not at every start of the CLI.
    .action(async (raw, cmd) => (await import('./report-fleet-run.js')).runReportFleet(raw as Record<string, unknown>, cmd));
}
