/**
 * `clustertwin report facility`: the facility report. One self-contained HTML file (or one SVG or
 * PNG file a chart) with the building's IT power by part, racks and cooling, fabric, UPS and
 * generators, cost, and the power swing of the training job's step drawn over a few steps with a
 * checkpoint and a failure. It takes facility's flags (addFacilityOptions), so its figures are
 * `facility --json`'s for the same flags. Thin: parse, run, chart, write.
 */
import { Command } from '@commander-js/extra-typings';
import { addFacilityOptions } from './facility.js';
import { addOutputOptions } from './report-output.js';

export function reportFacilityCommand(): Command<any, any> {
  return addOutputOptions(
    addFacilityOptions(new Command('facility').description("a facility report: IT power, racks and cooling, UPS and generators, cost, and the power over a few training steps, as one HTML file or SVG/PNG charts")),
    'facility-report.html',
  )
    .addHelpText(
      'after',
      `
Takes facility's flags (clustertwin facility --help) and writes what facility prints as a report.
Its chart is the IT power over three steps, a checkpoint's pause, two more steps and a failure,
with the swing's amplitude, period and ramp rate written on it (--no-swing: no chart). The HTML
file is self-contained: no script, no request leaves it.

Examples:
  clustertwin report facility --system dgx-h100 --gpus 1024 --out facility.html
  clustertwin report facility --system dgx-h100 --gpus 16384 --model llama3-405b --tp 8 --pp 16 --seq 8192 --gbs 2048 --recompute full --out llama3-building.html
  clustertwin report facility --system dgx-h100 --gpus 1024 --power-floor 0.5 --format svg --out-dir charts`,
    )
    .action(async (raw, cmd) => (await import('./report-facility-run.js')).runReportFacility(raw as Record<string, unknown>, cmd));
}
