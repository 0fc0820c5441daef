/**
 * What `clustertwin report facility` does once its flags are parsed (report-facility.ts defines
 * them): size the building as `clustertwin facility` does, draw the power chart, write the file or
 * files. Loaded only when a facility report is written.
 */
import type { Command } from '@commander-js/extra-typings';
import { facilityCharts, facilityReportDocument } from '../../report/facility-report.js';
import { givenFlags, shellWord } from '../command-line.js';
import { facilityFromOptions } from './facility.js';
import { OUTPUT_FLAGS, checkOutput, generatedBy, writeReport } from './report-output.js';

export function runReportFacility(opts: Record<string, unknown>, cmd: Command<any, any>): void {
  const format = checkOutput(opts, cmd);
  const report = facilityFromOptions(opts);
  const charts = facilityCharts(report);
  const flags = givenFlags(cmd, OUTPUT_FLAGS);
  const rerun = [['clustertwin facility', flags], ['clustertwin report facility', flags, format === 'html' ? `--out ${shellWord(String(opts.out))}` : '']].map((w) => w.filter(Boolean).join(' ')).join('\n');
  const written = writeReport(opts, format, () => facilityReportDocument({ report, rerun, generatedBy: generatedBy() }), charts);
  const s = report.powerSwing;
  if (opts.json) {
    const headline = {
      itPowerMW: report.itPowerMW,
      facilityPowerMW: report.facilityPowerMW,
      capexUsd: report.capexUsd.total,
      opexUsdPerYear: report.opexUsdPerYear.total,
      powerSwing: s ? { amplitudeMW: s.amplitudeMW, periodSeconds: s.periodSeconds, rampMWPerSecond: s.rampMWPerSecond } : null,
    };
    process.stdout.write(`${JSON.stringify({ written, format, charts: charts.map((c) => c.id), headline }, null, 2)}\n`);
  } else {
    process.stdout.write(`wrote ${written.join(', ')} (${charts.length} chart${charts.length === 1 ? '' : 's'}; ${report.facilityPowerMW.toFixed(2)} MW with PUE${s ? `, a ${s.amplitudeMW.toFixed(2)} MW swing every ${s.periodSeconds.toFixed(1)} s` : ''})\n`);
  }
}
