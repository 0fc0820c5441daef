/**
 * The fleet report, assembled: the fleet's headline figures, its GPU-hours by state and its
 * figures by job size as tables, the charts over time and by size, the building its GPUs need,
 * and what is not modelled. Pure and browser-safe: the CLI (`clustertwin report fleet`) runs the
 * simulation and writes the file; the web app calls `fleetCharts` for the same charts.
 *
 *   FleetReport ─► fleetCharts ─► Chart[] ─┐
 *   FleetBuilding ─────────────────────────┴─► sections ─► ReportDocument
 */
import type { FleetBuilding } from '../fleet/building.js';
import { FLEET_NOT_MODELLED } from '../fleet/not-modelled.js';
import type { FleetReport } from '../fleet/simulate-fleet.js';
import { SIZE_CLASSES } from '../fleet/size-classes.js';
import { formatDuration, formatInt, formatPercent, formatUsd } from '../units.js';
import type { Chart } from './chart.js';
import type { ReportDocument, ReportSection } from './html-report.js';
import { GPU_STATES } from './fleet-series.js';
import { fleetGpuHoursChart } from './charts/fleet-gpu-hours.js';
import { fleetUtilizationChart } from './charts/fleet-utilization.js';
import { fleetQueueChart } from './charts/fleet-queue.js';
import { fleetQueueingDelayChart } from './charts/fleet-queueing-delay.js';
import { fleetGoodputChart } from './charts/fleet-goodput.js';

/** Every chart of a fleet run, in the report's order: over time, then by job size. */
export function fleetCharts(r: FleetReport): Chart[] {
  return [fleetGpuHoursChart(r), fleetUtilizationChart(r), fleetQueueChart(r), fleetQueueingDelayChart(r), fleetGoodputChart(r)];
}

/** Everything the fleet report shows, computed by its caller. */
export interface FleetReportParts {
  report: FleetReport;
  /** The workload's name: the generator's kind or the trace's path. */
  workload: string;
  /** The building its GPUs need (`fleetBuilding`); absent: no building section. */
  building?: FleetBuilding;
  /** The command lines that rerun it (fleet's figures, and this report). */
  rerun: string;
  /** Which clustertwin wrote it and when, for the footer. */
  generatedBy: string;
}

const wait = (s: number): string => (!Number.isFinite(s) ? '-' : s < 1 ? '0 s' : formatDuration(s));

/** The fleet's GPU-hours by state, as `clustertwin fleet` prints them. */
export function gpuHoursTable(r: FleetReport): { head: string[]; rows: string[][] } {
  const total = r.gpus * r.days * 24;
  return {
    head: ['state', 'GPU-hours', 'share'],
    rows: [...GPU_STATES.map((s) => [s.label, formatInt(r.gpuHours[s.key]), formatPercent(r.gpuHours[s.key] / total)]), ['total', formatInt(total), '100.0%']],
  };
}

/** Queueing delay and goodput by job-size class. */
export function sizeClassTable(r: FleetReport): { head: string[]; rows: string[][] } {
  return {
    head: ['size (GPUs)', 'started', 'wait p50', 'p90', 'p99', 'goodput'],
    rows: SIZE_CLASSES.map((c) => {
      const q = r.queueingDelaySeconds[c];
      return [c, formatInt(q.jobs), wait(q.p50), wait(q.p90), wait(q.p99), Number.isFinite(r.goodput[c]) ? formatPercent(r.goodput[c]) : '-'];
    }),
  };
}

/** The building's rows, as the fleet command's "building" line says them. */
export function buildingRows(b: FleetBuilding): Array<[string, string]> {
  return [
    ['IT power', `${b.itPowerDesignMW.toFixed(1)} MW at the parts' rated maxima, ${b.itPowerAverageMW.toFixed(1)} MW on average`],
    ['facility power', `${b.facilityPowerMW.toFixed(1)} MW on average (PUE ${b.pue})`],
    ['racks', `${formatInt(b.racks)} (${b.cooling})`],
    ['capital', formatUsd(b.capexUsd)],
    ['operating', `${formatUsd(b.opexUsdPerYear)} a year`],
  ];
}

export function fleetReport(p: FleetReportParts): ReportDocument {
  const r = p.report;
  const charts = fleetCharts(r);
  const byId = (id: string): Chart => charts.find((c) => c.id === id)!;
  const j = r.jobs;
  const sections: ReportSection[] = [
    {
      title: 'Jobs and failures',
      rows: [
        ['jobs', `${formatInt(j.submitted)} submitted: ${formatInt(j.finished)} finished, ${formatInt(j.running)} running, ${formatInt(j.queued)} queued, ${formatInt(j.rejected)} rejected${j.rejected ? ` (${Object.entries(j.rejectedBecause).map(([k, v]) => `${formatInt(v)} ${k}`).join(', ')})` : ''}`],
        ['failures', `${formatInt(r.failures.total)} node failures, ${formatInt(r.failures.interruptedJobs)} jobs interrupted (${formatInt(r.failures.restartedOnSpare)} on a spare, ${formatInt(r.failures.restartedOnFree)} on a free node, ${formatInt(r.failures.requeued)} requeued)`],
        ['preemptions', formatInt(j.preemptions)],
        ...(r.maintenance.windows > 0 ? [['maintenance', `${formatInt(r.maintenance.windows)} windows, ${formatInt(r.maintenance.nodesDrained)} nodes drained, ${formatInt(r.maintenance.jobsStopped)} jobs stopped (saved first)`] as [string, string]] : []),
        ['spine crossings', `${formatInt(r.spineCrossings.multiLeaf)} of ${formatInt(r.spineCrossings.starts)} starts span more than one leaf group, ${formatInt(r.spineCrossings.multiPod)} more than one pod`],
        ['fragmentation', `${formatInt(r.fragmentationGpuHours)} GPU-hours free while the queue's head waited`],
      ],
      charts: [],
    },
    { title: 'GPU-hours by state', tables: [gpuHoursTable(r)], charts: [byId('fleet-gpu-hours'), byId('fleet-utilization')] },
    { title: 'The queue', charts: [byId('fleet-queue')] },
    { title: 'By job size', tables: [sizeClassTable(r)], charts: [byId('fleet-queueing-delay'), byId('fleet-goodput')] },
    ...(p.building
      ? [
          {
            title: 'The building',
            rows: buildingRows(p.building),
            text: "The facility these GPUs need, from clustertwin facility's model with no training job given (the GPUs at the system preset's average fraction of TDP). clustertwin facility (and report facility) gives the detail and the power swing of one job's synchronous step.",
            charts: [],
          },
        ]
      : []),
  ];
  return {
    title: `A fleet of ${formatInt(r.gpus)} GPUs on ${r.system} over ${r.days} days`,
    subtitle: `${formatInt(r.nodes)} nodes (${r.hotSpares} hot spares), ${p.workload}, ${r.scheduler} scheduling, ${r.placement} placement, seed ${r.seed}`,
    accuracy:
      "Accuracy: the fleet's accounting is exact (every GPU-hour in one state, every job accounted for, tested); its failure figures are checked against Meta's RSC-1 (Kokolis et al. 2024: job time to failure within 25% at 8 and 1,024 GPUs). Job speeds are the trace's or generator's durations: placement does not yet change them (docs/fleet.md).",
    rerun: 'Rerun it with the same flags (fleet prints the figures, report fleet this report):',
    scenarioYaml: p.rerun,
    headline: [
      ['utilisation', `${formatPercent(r.utilization.allocated)} allocated, ${formatPercent(r.utilization.useful)} useful`],
      ['goodput', Number.isFinite(r.goodput.all) ? formatPercent(r.goodput.all) : '-'],
      ['jobs', `${formatInt(j.submitted)} submitted, ${formatInt(j.finished)} finished`],
      ['revenue at list price', formatUsd(r.revenueUsd)],
      ['energy', `${r.energyMWh.toFixed(0)} MWh IT, ${r.facilityEnergyMWh.toFixed(0)} MWh with PUE`],
    ],
    sections,
    notModelled: FLEET_NOT_MODELLED,
    generatedBy: p.generatedBy,
  };
}
