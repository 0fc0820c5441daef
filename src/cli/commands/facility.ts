/**
 * `clustertwin facility`: the building a cluster needs. IT power by part, racks and their density,
 * cooling, PUE, UPS and generators, capital and operating cost, and the power swing of the
 * training job's synchronous step. Thin: parse, call src/facility, print.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { resolveScenario } from '../../engine.js';
import { scenarioSystem } from '../../config/resolve.js';
import { ClusterTwinError } from '../../errors.js';
import { MAX_TIMELINE_PASSES } from '../../config/bounds.js';
import { loadPresets } from '../../node/presets.js';
import { facilityReport, type FacilityOptions, type FacilityReport, type Redundancy } from '../../facility/index.js';
import { checkFabricHolds } from '../../topology/fat-tree-geometry.js';
import { formatDuration } from '../../units.js';
import { numberFlag } from '../flag-values.js';
import { buildingRows, formatMW, POWER_PARTS } from '../../facility/building-rows.js';
import { heading, int, keyValues, pct, table, usd } from '../format.js';
import { addScenarioOptions, scenarioFromOptions } from '../scenario-options.js';

const REDUNDANCY = ['N', 'N+1', '2N'] as const;

export function facilityCommand(): Command<any, any> {
  const cmd = new Command('facility')
    .description('the building: IT power, racks and cooling, PUE, UPS and generators, cost, and the power swing of synchronous training')
    .addHelpText(
      'after',
      `
Sizes the building for --gpus GPUs of --system: every node, switch and optic at its rated
maximum (design power: UPS, generators, building cost), and under the training job the
scenario flags describe (average power: energy, PUE). The job's step timeline gives the power
swing: compute phases against communication and the pipeline bubble, a checkpoint's pause, and
a failure stopping --failure-gpus GPUs at once. Without --model the default scenario's model runs.
\`clustertwin report facility\` writes the same as an HTML report with the power over a few steps.
Figures and their sources: docs/facility.md, docs/sources/facility.md.

Examples:
  clustertwin facility --system dgx-h100 --gpus 16384
  clustertwin facility --system dgx-h100 --gpus 16384 --model llama3-405b --tp 8 --pp 16 --seq 8192 --gbs 2048 --recompute full --pue 1.3
  clustertwin facility --system gb200-nvl72 --gpus 576 --ups 2N --no-swing --json`,
    );
  addFacilityOptions(cmd).option('--json', 'print one JSON object instead of tables');
  return cmd.action((raw) => {
    const opts = raw as Record<string, unknown>;
    const report = facilityFromOptions(opts);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${renderFacility(report)}\n`);
  });
}

/** Facility's flags on `cmd` (the scenario's, then the building's): `facility` and `report facility` share them. */
export function addFacilityOptions<C extends Command<any, any>>(cmd: C): C {
  addScenarioOptions(cmd)
    .option('--pue <x>', "power usage effectiveness (default: the system preset's)")
    .addOption(new Option('--ups <r>', 'UPS redundancy').choices([...REDUNDANCY]).default('N+1'))
    .addOption(new Option('--generators <r>', 'generator redundancy').choices([...REDUNDANCY]).default('N+1'))
    .option('--energy-price <usd>', 'energy price, USD per MWh (default 80)')
    .option('--node-price <usd>', 'price of one node, USD (default: the system\'s figure)')
    .option('--failure-gpus <n>', 'GPUs a failure stops at once (default: the whole job)')
    .option('--power-floor <x>', 'GPU power floor, a fraction of TDP (the mitigation of arXiv 2508.14318: narrower swing, more energy)')
    .option('--no-swing', 'skip the training step (no power swing; GPUs at the preset\'s fraction of TDP)');
  return cmd;
}

/** The facility report facility's flags describe (every bad value a ClusterTwinError naming its flag). */
export function facilityFromOptions(opts: Record<string, unknown>): FacilityReport {
  const catalog = loadPresets();
  const fo: FacilityOptions = {
    upsRedundancy: opts.ups as Redundancy,
    generatorRedundancy: opts.generators as Redundancy,
  };
  if (opts.pue !== undefined) fo.pue = numberFlag(opts.pue, '--pue', { min: 1, max: 10 });
  if (opts.energyPrice !== undefined) fo.energyUsdPerMWh = numberFlag(opts.energyPrice, '--energy-price', { min: 0, max: 1e6, unit: 'USD per MWh' });
  if (opts.nodePrice !== undefined) fo.node = { priceUsd: numberFlag(opts.nodePrice, '--node-price', { min: 0, max: 1e9, unit: 'USD' }) };
  if (opts.failureGpus !== undefined) fo.failureGpus = numberFlag(opts.failureGpus, '--failure-gpus', { min: 1, max: 1e8, integer: true, unit: 'GPUs' });
  if (opts.powerFloor !== undefined) fo.powerFloorFraction = numberFlag(opts.powerFloor, '--power-floor', { min: 0, max: 1, unit: 'a fraction of TDP' });
  const parsed = scenarioFromOptions(opts, catalog);
  if (parsed.gpus === undefined) throw new ClusterTwinError('invalid_value', '--gpus', 'the facility needs the number of GPUs it holds');
  if (opts.swing === false) {
    const system = scenarioSystem(parsed, catalog);
    checkFabricHolds(system, parsed.gpus);
    return facilityReport(system, parsed.gpus, fo);
  }
  const scenario = resolveScenario(parsed, catalog);
  if (fo.failureGpus !== undefined && fo.failureGpus > scenario.exec.gpus) {
    throw new ClusterTwinError('out_of_range', '--failure-gpus', `a failure stops at most the job's ${scenario.exec.gpus.toLocaleString('en-US')} GPUs, got ${fo.failureGpus.toLocaleString('en-US')}`);
  }
  try {
    return facilityReport(scenario.system, parsed.gpus, { ...fo, scenario });
  } catch (err) {
    // The swing needs the step's every event; the engine names its own --timeline flag.
    if (err instanceof ClusterTwinError && err.path === 'timeline') throw new ClusterTwinError(err.code, '--gbs', `${err.detail.replace(/; --timeline keeps.*$/, '')}: the power swing keeps every event of at most ${MAX_TIMELINE_PASSES.toLocaleString('en-US')}; lower --gbs, raise --mbs, or give --no-swing`);
    throw err;
  }
}

const mw = formatMW;

export function renderFacility(r: FacilityReport): string {
  const d = r.itPower.design;
  const a = r.itPower.average;
  const parts = POWER_PARTS;
  const out: string[] = [];
  out.push(heading(`${r.system}: ${int(r.gpus)} GPUs in ${int(r.nodes)} nodes`));
  out.push('');
  out.push(heading('IT power'));
  out.push(table(['part', 'design (rated)', 'under training', 'share'], parts.map(([label, k]) => [label, mw(d[k]), mw(a[k]), pct(a[k] / a.totalMW)]), [1, 2, 3]));
  out.push(`  GPUs under training at ${pct(r.gpuPowerFractionOfTdp)} of TDP: ${r.gpuPowerSource}`);
  out.push('');
  out.push(
    keyValues(buildingRows(r)),
  );
  out.push('');
  out.push(heading('Cost'));
  const c = r.capexUsd;
  out.push(table(['capital', 'USD'], [['compute (nodes)', usd(c.compute)], ['network (switches, optics, cables)', usd(c.network)], ['storage', usd(c.storage)], ['building', usd(c.building)], ['total', usd(c.total)]], [1]));
  out.push(table(['operating, a year', 'USD'], [['energy', usd(r.opexUsdPerYear.energy)], ['staff', usd(r.opexUsdPerYear.staff)], ['total', usd(r.opexUsdPerYear.total)]], [1]));
  const s = r.powerSwing;
  if (s) {
    out.push('');
    out.push(heading('Power swing of the synchronous step (IT power)'));
    out.push(
      keyValues([
        ['swing', `${mw(s.troughMW)} to ${mw(s.peakMW)}: ${mw(s.amplitudeMW)} every ${formatDuration(s.periodSeconds)} (${s.frequencyHz.toFixed(2)} Hz)`],
        ['ramp', `${s.rampMWPerSecond.toFixed(0)} MW/s (a GPU slews in ${s.slewSeconds * 1e3} ms)`],
        ['spectrum', `${pct(s.spectrum.bandEnergyShare)} of the swing's energy in ${s.spectrum.bandLowHz}-${s.spectrum.bandHighHz} Hz; strongest at ${s.spectrum.dominantHz.toFixed(2)} Hz`],
        ['checkpoint', `${mw(s.checkpoint.dropMW)} down for ${formatDuration(s.checkpoint.pauseSeconds)}`],
        ['failure', `${int(s.failure.gpus)} GPUs stop: ${mw(s.failure.dropMW)} down at ${s.failure.rampMWPerSecond.toFixed(0)} MW/s`],
      ]),
    );
  }
  out.push('');
  out.push(`Not modelled: ${r.notModelled.join('; ')}.`);
  return out.join('\n');
}
