/**
 * The facility report, assembled: IT power by part, racks and cooling, the fabric's switches and
 * cables, UPS and generators, capital and operating cost, and the power swing of the training
 * job's synchronous step drawn over a few steps with a checkpoint and a failure. Pure and
 * browser-safe: `clustertwin report facility` computes the FacilityReport and writes the file.
 *
 *   FacilityReport ─► facilityCharts ─► Chart[] ─► sections ─► ReportDocument
 */
import type { FacilityReport } from '../facility/index.js';
import { formatDuration, formatInt, formatPercent, formatUsd } from '../units.js';
import type { Chart } from './chart.js';
import type { ReportDocument, ReportSection } from './html-report.js';
import { facilityPowerChart } from './charts/facility-power.js';
import { buildingRows, formatMW, POWER_PARTS } from '../facility/building-rows.js';

/** The facility's charts: its power over a few steps, when a training job gave a swing. */
export function facilityCharts(f: FacilityReport): Chart[] {
  return f.powerSwing ? [facilityPowerChart(f.powerSwing, { gpus: f.gpus })] : [];
}

export interface FacilityReportParts {
  report: FacilityReport;
  /** The command lines that rerun it. */
  rerun: string;
  generatedBy: string;
}

const mw = formatMW;

const PARTS = POWER_PARTS;

export function facilityReportDocument(p: FacilityReportParts): ReportDocument {
  const r = p.report;
  const d = r.itPower.design;
  const a = r.itPower.average;
  const c = r.capexUsd;
  const s = r.powerSwing;
  const sections: ReportSection[] = [
    {
      title: 'IT power',
      tables: [{ head: ['part', 'design (rated)', 'under training', 'share'], rows: PARTS.map(([label, k]) => [label, mw(d[k]), mw(a[k]), formatPercent(a[k] / a.totalMW)]) }],
      text: `GPUs under training at ${formatPercent(r.gpuPowerFractionOfTdp)} of TDP: ${r.gpuPowerSource}.`,
      charts: [],
    },
    {
      title: 'The building',
      rows: [
        ...buildingRows(r),
        ['node figures', r.nodeSource],
      ],
      charts: [],
    },
    {
      title: 'Cost',
      tables: [
        { head: ['capital', 'USD'], rows: [['compute (nodes)', formatUsd(c.compute)], ['network (switches, optics, cables)', formatUsd(c.network)], ['storage', formatUsd(c.storage)], ['building', formatUsd(c.building)], ['total', formatUsd(c.total)]] },
        { head: ['operating, a year', 'USD'], rows: [['energy', formatUsd(r.opexUsdPerYear.energy)], ['staff', formatUsd(r.opexUsdPerYear.staff)], ['total', formatUsd(r.opexUsdPerYear.total)]] },
      ],
      charts: [],
    },
    s
      ? {
          title: 'Power swing of the synchronous step',
          rows: [
            ['swing', `${mw(s.troughMW)} to ${mw(s.peakMW)}: ${mw(s.amplitudeMW)} every ${formatDuration(s.periodSeconds)} (${s.frequencyHz.toFixed(2)} Hz)`],
            ['ramp', `${s.rampMWPerSecond.toFixed(1)} MW/s (a GPU slews in ${formatDuration(s.slewSeconds)})`],
            ['spectrum', `${formatPercent(s.spectrum.bandEnergyShare)} of the swing's energy in ${s.spectrum.bandLowHz}-${s.spectrum.bandHighHz} Hz; strongest at ${s.spectrum.dominantHz.toFixed(2)} Hz`],
            ['checkpoint', `${mw(s.checkpoint.dropMW)} down for ${formatDuration(s.checkpoint.pauseSeconds)}`],
            ['failure', `${formatInt(s.failure.gpus)} GPUs stop: ${mw(s.failure.dropMW)} down at ${s.failure.rampMWPerSecond.toFixed(1)} MW/s`],
          ],
          charts: facilityCharts(r),
        }
      : { title: 'Power swing of the synchronous step', text: 'Not computed (--no-swing): no training step was simulated, so the GPUs sit at the system preset\'s average fraction of TDP.', charts: [] },
  ];
  return {
    title: `The building for ${formatInt(r.gpus)} GPUs of ${r.system}`,
    subtitle: `${formatInt(r.nodes)} nodes, ${mw(r.itPowerMW)} IT on average, ${mw(r.facilityPowerMW)} with PUE ${r.pue}`,
    accuracy: "Accuracy: the power per rack and switch counts reproduce a DGX SuperPOD scalable unit's within 10% (tested); each part's figure carries its source (docs/sources/facility.md). The swing is unmitigated and every replica switches at once: an upper bound.",
    rerun: 'Rerun it with the same flags (facility prints the figures, report facility this report):',
    scenarioYaml: p.rerun,
    headline: [
      ['IT power', `${mw(d.totalMW)} rated, ${mw(a.totalMW)} under training`],
      ['facility power', `${mw(r.facilityPowerMW)} (PUE ${r.pue})`],
      ['capital', formatUsd(c.total)],
      ['operating', `${formatUsd(r.opexUsdPerYear.total)} a year`],
      ...(s ? [['power swing', `${mw(s.amplitudeMW)} every ${formatDuration(s.periodSeconds)}, ${s.rampMWPerSecond.toFixed(1)} MW/s`] as [string, string]] : []),
    ],
    sections,
    notModelled: r.notModelled,
    generatedBy: p.generatedBy,
  };
}
