/**
 * `clustertwin fleet`: a multi-tenant GPU fleet over days or months: jobs from a trace or a
 * seeded generator, scheduled and placed on the system's fabric, with node failures and repairs;
 * prints GPU-hours by state, utilisation, queueing delay and goodput by job size, revenue and
 * energy. Thin: parse, call src/fleet, print.
 */
import { readFileSync } from 'node:fs';
import { Command } from '@commander-js/extra-typings';
import { resolveSystem } from '../../config/catalog.js';
import { ClusterTwinError } from '../../errors.js';
import { fleetModel } from '../../fleet/fleet-model.js';
import { PLACEMENTS, type PlacementPolicy } from '../../fleet/placement.js';
import { SCHEDULERS, type SchedulerPolicy } from '../../fleet/scheduler.js';
import { simulateFleet, type FleetReport } from '../../fleet/simulate-fleet.js';
import { withTrainingDurations } from '../../fleet/training-jobs.js';
import { stepModelSlowdown } from '../../fleet/placement-slowdown.js';
import { SIZE_CLASSES } from '../../fleet/size-classes.js';
import { GENERATORS, type GeneratorKind, type WorkloadSource } from '../../fleet/workload-source.js';
import { generateWorkload, loadTrace } from '../../fleet/workload/index.js';
import { fleetBuilding, type FleetBuilding } from '../../fleet/building.js';
import { loadPresets } from '../../node/presets.js';
import { formatDuration } from '../../units.js';
import { progressBar } from '../progress-bar.js';
import { heading, int, keyValues, pct, table, usd } from '../format.js';
import { numberFlag } from '../flag-values.js';

const oneOf = <T extends string>(raw: unknown, allowed: readonly T[], flag: string): T => {
  const v = String(raw);
  if (!(allowed as readonly string[]).includes(v)) throw new ClusterTwinError('invalid_value', flag, `expected one of ${allowed.join(', ')}, got "${v.slice(0, 60)}"`);
  return v as T;
};

/** Fleet's flags on `cmd`: `clustertwin fleet` and `clustertwin report fleet` share them. */
export function addFleetOptions<C extends Command<any, any>>(cmd: C): C {
  cmd
    .option('--system <preset>', 'system preset (node, fabric, price, power, failure model)', 'nd-h100-v5')
    .option('--gpus <n>', "the fleet's GPUs (whole nodes)", '10752')
    .option('--days <d>', 'simulated days', '30')
    .option('--trace <file>', 'jobs from a trace file')
    .option('--generator <kind>', `jobs from a seeded generator: ${GENERATORS.join(', ')}`)
    .option('--scheduler <s>', `${SCHEDULERS.join(', ')}`, 'backfill')
    .option('--placement <p>', `${PLACEMENTS.join(', ')}`, 'topology')
    .option('--hot-spares <n>', 'nodes held out as hot spares', '0')
    .option('--failure-rate-scale <x>', 'multiply every unplanned failure rate (0: no failures)', '1')
    .option('--quota <list>', 'most GPUs each tenant may hold at once: tenant=GPUs,tenant=GPUs')
    .option('--maintenance-every <days>', 'rolling planned maintenance: drain the next share of nodes every this many days')
    .option('--maintenance-hours <h>', 'how long each maintenance window keeps its nodes out', '8')
    .option('--maintenance-share <x>', 'share of the nodes each window drains', '0.05')
    .option('--seed <n>', 'seed of the generator, the failures and random placement', '1');
  return cmd;
}

/** A fleet run as fleet's flags describe it: the report, the building, the workload's name. */
export interface FleetRun {
  report: FleetReport;
  building: FleetBuilding;
  workload: string;
}

/**
 * Parses fleet's flags (every bad value a ClusterTwinError naming its flag), builds the workload and
 * simulates the fleet. `onProgress` gets the simulated hours done and the hours in all.
 */
export function runFleetFromOptions(opts: Record<string, unknown>, source: WorkloadSource | undefined, onProgress?: (done: number, total: number) => void): FleetRun {
  const catalog = loadPresets();
  const system = resolveSystem(catalog, String(opts.system), '--system');
  const gpus = numberFlag(opts.gpus, '--gpus', { min: system.node.gpusPerNode, max: 1e7, integer: true, unit: 'GPUs' });
  const days = numberFlag(opts.days, '--days', { min: 0, max: 3650, exclusiveMin: true, unit: 'days' });
  const hotSpares = numberFlag(opts.hotSpares, '--hot-spares', { min: 0, max: 1e6, integer: true, unit: 'nodes' });
  const failureRateScale = numberFlag(opts.failureRateScale, '--failure-rate-scale', { min: 0, max: 1e4, unit: 'a factor' });
  const seed = numberFlag(opts.seed, '--seed', { min: -1e15, max: 1e15, integer: true });
  const scheduler = oneOf<SchedulerPolicy>(opts.scheduler, SCHEDULERS, '--scheduler');
  const placement = oneOf<PlacementPolicy>(opts.placement, PLACEMENTS, '--placement');
  if ((opts.trace === undefined) === (opts.generator === undefined)) {
    throw new ClusterTwinError('invalid_value', '--trace', 'give the jobs with either --trace FILE or --generator KIND (one of them)');
  }
  const generator = opts.generator === undefined ? undefined : oneOf<GeneratorKind>(opts.generator, GENERATORS, '--generator');
  const maintenance =
    opts.maintenanceEvery === undefined
      ? undefined
      : {
          everyDays: numberFlag(opts.maintenanceEvery, '--maintenance-every', { min: 0, max: 3650, exclusiveMin: true, unit: 'days' }),
          hours: numberFlag(opts.maintenanceHours, '--maintenance-hours', { min: 0, max: 8760, exclusiveMin: true, unit: 'hours' }),
          share: numberFlag(opts.maintenanceShare, '--maintenance-share', { min: 0, max: 1, exclusiveMin: true, unit: 'a fraction' }),
        };
  const quotasGpus = opts.quota === undefined ? undefined : quotaFlag(String(opts.quota));
  const fleet = fleetModel(system, { gpus, hotSpares, failureRateScale });
  const workload: WorkloadSource = source ?? { generateWorkload, loadTrace };
  let jobs;
  if (generator) jobs = workload.generateWorkload(generator, { gpus: fleet.nodes * fleet.gpusPerNode, days, seed });
  else {
    const path = String(opts.trace);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ClusterTwinError('invalid_value', '--trace', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    jobs = workload.loadTrace(path, text);
  }
  // A training job without a duration gets the step model's time to train on this system.
  jobs = withTrainingDurations(jobs, system.name, catalog);
  // Training jobs run at the speed the step model gives where they land; duration-only jobs as given.
  const slowdown = stepModelSlowdown(system, catalog);
  const report = simulateFleet(fleet, jobs, { days, scheduler, placement, seed, maintenance, quotasGpus, slowdown, onProgress });
  return { report, building: fleetBuilding(system, report.gpus), workload: generator ?? String(opts.trace) };
}

export function fleetCommand(source?: WorkloadSource): Command<any, any> {
  const cmd = new Command('fleet')
    .description('a multi-tenant GPU fleet over days: scheduling, placement, failures, utilisation, revenue, energy')
    .addHelpText(
      'after',
      `
Jobs come from a trace (--trace: clustertwin CSV/JSON lines, Acme, Helios or
Philly) or a seeded generator matched to a published cluster summary
(--generator). Nodes fail at the system's failure-model rates; a failed node
goes to repair and its job restarts from its last checkpoint on a hot spare, a
free node, or waits. GPU-hours by state sum to GPUs x hours (docs/fleet.md).
A training job (a trace row with a model and tokens) runs at the speed the
step model gives for the leaf groups and pods it lands on; a job given only a
duration runs as long wherever it lands (--json: placementSlowdown).
\`clustertwin report fleet\` draws the same run as an HTML report with charts.

Examples:
  clustertwin fleet --system nd-h100-v5 --gpus 10752 --days 90 --generator acme-seren
  clustertwin fleet --gpus 4096 --days 30 --generator philly --scheduler backfill --placement random --json
  clustertwin fleet --gpus 2048 --days 14 --trace jobs.csv --hot-spares 8 --scheduler priority`,
    );
  addFleetOptions(cmd).option('--json', 'print one JSON object instead of tables');
  return cmd.action(async (raw) => {
    const opts = raw as Record<string, unknown>;
    const bar = progressBar(Boolean(opts.json) || !process.stdout.isTTY || !process.stderr.isTTY, 'Fleet [{bar}] {percentage}% | hour {value}/{total}');
    let run: FleetRun;
    try {
      run = runFleetFromOptions(opts, source, bar?.update);
    } finally {
      bar?.stop();
    }
    const { report, building, workload } = run;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...report, workload, building }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${renderFleet(report, workload, building)}\n`);
  });
}

/** `--quota a=256,b=1k`: GPUs per tenant. */
function quotaFlag(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(part);
    if (!m) throw new ClusterTwinError('invalid_value', '--quota', `expected tenant=GPUs[,tenant=GPUs...], got "${part.slice(0, 60)}"`);
    out[m[1]!] = numberFlag(m[2], '--quota', { min: 1, max: 1e7, integer: true, unit: 'GPUs' });
  }
  return out;
}

/** What placement cost the training jobs, and which jobs it could not touch. */
function placementLine(p: FleetReport['placementSlowdown']): string {
  const only = `${int(p.durationOnlyJobs)} duration-only jobs are not placement-sensitive (they run as long wherever they land)`;
  if (p.trainingStarts === 0) return `no training job started; ${only}`;
  return `training jobs ${p.mean.toFixed(3)}x slower on average than at their most compact placement (worst ${p.max.toFixed(2)}x, step model), ${int(p.gpuHoursLost)} GPU-hours; ${only}`;
}

const dur = (s: number): string => (!Number.isFinite(s) ? '-' : s < 1 ? '0 s' : formatDuration(s));

/** The readable fleet report. */
export function renderFleet(r: FleetReport, workload: string, building?: FleetBuilding): string {
  const out: string[] = [];
  const total = r.gpus * r.days * 24;
  out.push(`${heading('Fleet')} of ${int(r.gpus)} GPUs (${int(r.nodes)} nodes, ${r.hotSpares} hot spares) on ${r.system}, ${r.days} days, ${workload}, ${r.scheduler} scheduling, ${r.placement} placement, seed ${r.seed}`);
  const j = r.jobs;
  out.push(
    keyValues([
      ['jobs', `${int(j.submitted)} submitted: ${int(j.finished)} finished, ${int(j.running)} running, ${int(j.queued)} queued, ${int(j.rejected)} rejected${j.rejected ? ` (${Object.entries(j.rejectedBecause).map(([k, v]) => `${int(v)} ${k}`).join(', ')})` : ''}`],
      ['utilisation', `${pct(r.utilization.allocated)} allocated, ${pct(r.utilization.useful)} useful`],
      ['failures', `${int(r.failures.total)} node failures, ${int(r.failures.interruptedJobs)} jobs interrupted (${int(r.failures.restartedOnSpare)} on a spare, ${int(r.failures.restartedOnFree)} on a free node, ${int(r.failures.requeued)} requeued)`],
      ['preemptions', int(j.preemptions)],
      ...(r.maintenance.windows > 0 ? [['maintenance', `${int(r.maintenance.windows)} windows, ${int(r.maintenance.nodesDrained)} nodes drained, ${int(r.maintenance.jobsStopped)} jobs stopped (saved first)`] as [string, string]] : []),
      ['spine crossings', `${int(r.spineCrossings.multiLeaf)} of ${int(r.spineCrossings.starts)} starts span >1 leaf group, ${int(r.spineCrossings.multiPod)} >1 pod`],
      ['placement slowdown', placementLine(r.placementSlowdown)],
      ['fragmentation', `${int(r.fragmentationGpuHours)} GPU-hours free while the queue head waited`],
      ['revenue', usd(r.revenueUsd)],
      ['energy', `${r.energyMWh.toFixed(0)} MWh IT, ${r.facilityEnergyMWh.toFixed(0)} MWh with PUE`],
      ...(building
        ? [
            [
              'building',
              `${building.itPowerDesignMW.toFixed(1)} MW IT rated, ${building.facilityPowerMW.toFixed(1)} MW average with PUE ${building.pue}, ${int(building.racks)} racks (${building.cooling}); capital ${usd(building.capexUsd)}, operating ${usd(building.opexUsdPerYear)} a year (clustertwin facility for the detail)`,
            ] as [string, string],
          ]
        : []),
    ]),
  );
  const h = r.gpuHours;
  const rows: Array<[string, number]> = [
    ['busy (useful)', h.busy],
    ['lost to failure', h.lostToFailure],
    ['lost to preemption', h.lostToPreemption],
    ['idle', h.idle],
    ['failed, in repair or maintenance', h.failedOrRepair],
    ['hot spare', h.spare],
  ];
  out.push('', heading('GPU-hours by state'));
  out.push(table(['state', 'GPU-hours', 'share'], rows.map(([k, v]) => [k, int(v), pct(v / total)]), [1, 2]));
  out.push('', heading('By job size (GPUs)'));
  out.push(
    table(
      ['size', 'started', 'wait p50', 'p90', 'p99', 'goodput'],
      SIZE_CLASSES.map((c) => {
        const q = r.queueingDelaySeconds[c];
        return [c, int(q.jobs), dur(q.p50), dur(q.p90), dur(q.p99), Number.isFinite(r.goodput[c]) ? pct(r.goodput[c]) : '-'];
      }),
      [1, 2, 3, 4, 5],
    ),
  );
  return out.join('\n');
}
