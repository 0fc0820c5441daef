/**
 * What `clustertwin report fleet` does once its flags are parsed (report-fleet.ts defines them):
 * simulate the fleet as `clustertwin fleet` does, draw the charts, write the file or files. Loaded
 * only when a fleet report is written.
 */
import type { Command } from '@commander-js/extra-typings';
import { fleetCharts, fleetReport } from '../../report/fleet-report.js';
import { givenFlags, shellWord } from '../command-line.js';
import { progressBar } from '../progress-bar.js';
import { runFleetFromOptions, type FleetRun } from './fleet.js';
import { OUTPUT_FLAGS, checkOutput, generatedBy, writeReport } from './report-output.js';
import { pct, usd } from '../format.js';

export function runReportFleet(opts: Record<string, unknown>, cmd: Command<any, any>): void {
  const format = checkOutput(opts, cmd);
  const bar = progressBar(Boolean(opts.json) || !process.stdout.isTTY || !process.stderr.isTTY, 'Fleet report [{bar}] {percentage}% | hour {value}/{total}');
  let run: FleetRun;
  try {
    run = runFleetFromOptions(opts, undefined, bar?.update);
  } finally {
    bar?.stop();
  }
  const { report, building, workload } = run;
  const charts = fleetCharts(report);
  const flags = givenFlags(cmd, OUTPUT_FLAGS);
  const rerun = [['clustertwin fleet', flags], ['clustertwin report fleet', flags, format === 'html' ? `--out ${shellWord(String(opts.out))}` : '']].map((w) => w.filter(Boolean).join(' ')).join('\n');
  const written = writeReport(opts, format, () => fleetReport({ report, workload, building, rerun, generatedBy: generatedBy() }), charts);
  if (opts.json) {
    const headline = { gpuHours: report.gpuHours, jobs: report.jobs, utilization: report.utilization, goodput: report.goodput, revenueUsd: report.revenueUsd, energyMWh: report.energyMWh };
    process.stdout.write(`${JSON.stringify({ written, format, charts: charts.map((c) => c.id), headline, building }, null, 2)}\n`);
  } else {
    process.stdout.write(`wrote ${written.join(', ')} (${charts.length} charts; ${pct(report.utilization.allocated)} allocated, ${pct(report.utilization.useful)} useful, ${usd(report.revenueUsd)} at list price)\n`);
  }
}
