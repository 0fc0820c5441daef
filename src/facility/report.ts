/**
 * The building a cluster of N GPUs needs: IT power (design and under training) by part, racks and
 * their density, the cooling that takes it, PUE, UPS and generators, capital and operating cost,
 * and the power swing of a synchronous training step.
 *
 *   system, GPUs ─► parts (node, switch, optic figures) ─► fabric counts ─► IT power ─► racks, cooling
 *   scenario ─► step timeline ─► GPU power by phase ─► power swing        └─► UPS, generators, cost
 */
import type { SystemSpec } from '../config/system-schema.js';
import type { Scenario } from '../config/resolve.js';
import { evaluateScenario } from '../engine.js';
import { checkpointCost } from '../reliability/checkpoint.js';
import { fabricCounts, type FabricCounts } from './fabric-counts.js';
import {
  BUILDING_USD_PER_MW, COOLING_LIMITS_KW, ENERGY_USD_PER_MWH, GENERATOR, GPU_COMPUTE_POWER_FRACTION, GPU_LOW_POWER_FRACTION,
  GPU_POWER_SLEW_SECONDS, HOST_POWER_FRACTION_OF_MAX, NIC_WATTS, NODE_SPECS, STAFF, STORAGE, SWITCH, UPS, genericNode, type NodeFacilitySpec,
} from './parts.js';
import { powerSwing, type PowerSwing } from './power-swing.js';

export type Redundancy = 'N' | 'N+1' | '2N';
export type Cooling = 'room air' | 'contained air (containment or rear-door heat exchangers)' | 'direct liquid';

export interface FacilityOptions {
  /** Power usage effectiveness (default: the system preset's). */
  pue?: number;
  /** A training job on these GPUs: its step sets the GPUs' average power and the swing. */
  scenario?: Scenario;
  upsRedundancy?: Redundancy;
  generatorRedundancy?: Redundancy;
  energyUsdPerMWh?: number;
  /** GPUs a failure stops at once (default: the whole job, which stops as one). */
  failureGpus?: number;
  /**
   * A GPU power floor as a fraction of TDP: the GPU-level mitigation of arXiv 2508.14318 (the GPU
   * burns power in its lulls so the swing narrows, at the energy cost). Default: none.
   */
  powerFloorFraction?: number;
  /** Override the node figures (price, maximum power, nodes per rack). */
  node?: Partial<NodeFacilitySpec>;
}

export interface PowerByPart {
  gpusMW: number;
  hostsMW: number;
  nicsMW: number;
  switchesMW: number;
  storageMW: number;
  totalMW: number;
}

export interface FacilityReport {
  system: string;
  gpus: number;
  nodes: number;
  /** Average IT power under the training mix, MW. */
  itPowerMW: number;
  /** The facility's average draw (IT x PUE), MW. */
  facilityPowerMW: number;
  pue: number;
  /** IT power by part: at the parts' rated maxima (design) and under training (average). */
  itPower: { design: PowerByPart; average: PowerByPart };
  /** Where the GPUs' average power came from. */
  gpuPowerFractionOfTdp: number;
  gpuPowerSource: string;
  racks: { compute: number; network: number; total: number };
  powerPerRackKW: { design: number; average: number };
  cooling: Cooling;
  switches: FabricCounts['switches'];
  cables: FabricCounts['cables'];
  transceivers: number;
  fabricTiers: number;
  ups: { redundancy: Redundancy; powerFactor: number; loadKva: number; moduleKva: number; modules: number; installedKva: number };
  generators: { redundancy: Redundancy; powerFactor: number; loadKva: number; unitKva: number; units: number; installedKva: number };
  capexUsd: { compute: number; network: number; storage: number; building: number; total: number };
  opexUsdPerYear: { energy: number; staff: number; total: number };
  powerSwing?: PowerSwing;
  nodeSource: string;
  notModelled: string[];
}

export const FACILITY_NOT_MODELLED = [
  'cooling power that follows the load: PUE is one constant, so sub-second swings are IT power only and the chillers and pumps are not dynamic',
  'the network beyond the compute fabric (storage and in-band Ethernet, out-of-band management, UFM) and management servers',
  'power capping, GPU power smoothing and energy storage (the mitigations of arXiv 2508.14318 and GB300 power shelves): the swing is unmitigated',
  'rank-to-rank timing skew: every replica switches at the same instant, so the swing is an upper bound on synchronisation',
  'electrical distribution losses (transformers, PDUs) beyond what PUE carries, and derating for altitude or temperature',
];

const YEAR_HOURS = 8760;

function units(loadKva: number, unitKva: number, r: Redundancy): number {
  const n = Math.max(1, Math.ceil(loadKva / unitKva));
  return r === '2N' ? 2 * n : r === 'N+1' ? n + 1 : n;
}

export function facilityReport(system: SystemSpec, gpus: number, opts: FacilityOptions = {}): FacilityReport {
  const gpn = system.node.gpusPerNode;
  const tdp = system.gpu.tdpWatts;
  const spec: NodeFacilitySpec = { ...(NODE_SPECS[system.name] ?? genericNode(gpn, tdp)), ...opts.node };
  const fabric = fabricCounts(system, gpus);
  const nodes = fabric.nodes;
  const pue = opts.pue ?? system.power.pue;

  // Design: every part at its rated maximum (what the electrical plant is sized for).
  const nicsW = nodes * system.node.nicsPerNode * NIC_WATTS;
  const hostDesignW = Math.max(0, nodes * (spec.maxWatts - gpn * tdp) - nicsW);
  const switchSideTransceivers = fabric.transceivers - fabric.cables.nodeLeaf;
  const switchesW = fabric.switches.total * SWITCH.watts + switchSideTransceivers * SWITCH.transceiverWatts;
  const appliances = Math.ceil(system.storage.writeGBps / STORAGE.gbpsPerAppliance);
  const storageW = appliances * STORAGE.wattsPerAppliance;
  const byPart = (gpuW: number, hostW: number): PowerByPart => {
    const p = { gpusMW: gpuW / 1e6, hostsMW: hostW / 1e6, nicsMW: nicsW / 1e6, switchesMW: switchesW / 1e6, storageMW: storageW / 1e6 };
    return { ...p, totalMW: p.gpusMW + p.hostsMW + p.nicsMW + p.switchesMW + p.storageMW };
  };
  const design = byPart(nodes * gpn * tdp, hostDesignW);
  const hostAvgW = hostDesignW * HOST_POWER_FRACTION_OF_MAX;
  const staticW = hostAvgW + nicsW + switchesW + storageW;
  const lowFraction = Math.min(GPU_COMPUTE_POWER_FRACTION, Math.max(GPU_LOW_POWER_FRACTION, opts.powerFloorFraction ?? 0));

  // Average: the step's mix when a job is given, else the system preset's fraction of TDP.
  let fraction = system.power.gpuPowerFractionOfTdp;
  let gpuPowerSource = "the system preset's power.gpuPowerFractionOfTdp (no training job given)";
  let swing: PowerSwing | undefined;
  if (opts.scenario) {
    const s = opts.scenario;
    const result = evaluateScenario(s, { timeline: true });
    const jobGpus = s.exec.gpus;
    swing = powerSwing({
      timeline: result.timeline ?? [],
      stepTimeSeconds: result.stepTimeSeconds,
      pp: s.exec.pp,
      gpusPerStage: jobGpus / s.exec.pp,
      gpuComputeWatts: tdp * GPU_COMPUTE_POWER_FRACTION,
      gpuLowWatts: tdp * lowFraction,
      staticWatts: staticW + (gpus - jobGpus) * tdp * GPU_LOW_POWER_FRACTION,
      checkpointPauseSeconds: checkpointCost(s).stallSeconds,
      failureGpus: Math.min(opts.failureGpus ?? jobGpus, jobGpus),
      slewSeconds: GPU_POWER_SLEW_SECONDS,
    });
    const gpuMeanW = (swing.meanMW * 1e6 - staticW - (gpus - jobGpus) * tdp * GPU_LOW_POWER_FRACTION) / jobGpus;
    fraction = ((gpuMeanW * jobGpus + (gpus - jobGpus) * tdp * GPU_LOW_POWER_FRACTION) / gpus) / tdp;
    gpuPowerSource = `the step's mix: compute ${(GPU_COMPUTE_POWER_FRACTION * 100).toFixed(0)}% of TDP, communication and bubble ${(lowFraction * 100).toFixed(0)}%${opts.powerFloorFraction !== undefined ? ' (the power floor)' : ''} (${s.model.name}, TP ${s.exec.tp} PP ${s.exec.pp} on ${jobGpus.toLocaleString('en-US')} GPUs)`;
  }
  const average = byPart(nodes * gpn * tdp * fraction, hostAvgW);

  const computeRacks = Math.ceil(nodes / spec.nodesPerRack);
  // 1U switches with their patch panels, ~24 to a network rack (U).
  const networkRacks = Math.ceil(fabric.switches.total / 24);
  const rackDesignKW = (Math.min(spec.nodesPerRack, nodes) * spec.maxWatts) / 1e3;
  const rackAverageKW = (Math.min(spec.nodesPerRack, nodes) * (gpn * tdp * fraction + (spec.maxWatts - gpn * tdp - system.node.nicsPerNode * NIC_WATTS) * HOST_POWER_FRACTION_OF_MAX + system.node.nicsPerNode * NIC_WATTS)) / 1e3;
  const cooling: Cooling = rackDesignKW <= COOLING_LIMITS_KW.roomAir ? 'room air' : rackDesignKW <= COOLING_LIMITS_KW.containedAir ? 'contained air (containment or rear-door heat exchangers)' : 'direct liquid';

  const upsR = opts.upsRedundancy ?? 'N+1';
  const genR = opts.generatorRedundancy ?? 'N+1';
  const upsLoad = (design.totalMW * 1e3) / UPS.powerFactor;
  const upsModules = units(upsLoad, UPS.moduleKva, upsR);
  const genLoad = (design.totalMW * pue * 1e3) / GENERATOR.powerFactor;
  const genUnits = units(genLoad, GENERATOR.unitKva, genR);

  const compute = nodes * spec.priceUsd;
  const network = fabric.switches.total * SWITCH.priceUsd + fabric.transceivers * SWITCH.transceiverPriceUsd + fabric.cables.total * SWITCH.cablePriceUsd;
  const storage = appliances * STORAGE.priceUsdPerAppliance;
  const building = design.totalMW * BUILDING_USD_PER_MW;
  const facilityPowerMW = average.totalMW * pue;
  const energy = facilityPowerMW * YEAR_HOURS * (opts.energyUsdPerMWh ?? ENERGY_USD_PER_MWH);
  const staff = design.totalMW * STAFF.perMW * STAFF.usdPerYear;

  return {
    system: system.name,
    gpus,
    nodes,
    itPowerMW: average.totalMW,
    facilityPowerMW,
    pue,
    itPower: { design, average },
    gpuPowerFractionOfTdp: fraction,
    gpuPowerSource,
    racks: { compute: computeRacks, network: networkRacks, total: computeRacks + networkRacks },
    powerPerRackKW: { design: rackDesignKW, average: rackAverageKW },
    cooling,
    switches: fabric.switches,
    cables: fabric.cables,
    transceivers: fabric.transceivers,
    fabricTiers: fabric.tiers,
    ups: { redundancy: upsR, powerFactor: UPS.powerFactor, loadKva: upsLoad, moduleKva: UPS.moduleKva, modules: upsModules, installedKva: upsModules * UPS.moduleKva },
    generators: { redundancy: genR, powerFactor: GENERATOR.powerFactor, loadKva: genLoad, unitKva: GENERATOR.unitKva, units: genUnits, installedKva: genUnits * GENERATOR.unitKva },
    capexUsd: { compute, network, storage, building, total: compute + network + storage + building },
    opexUsdPerYear: { energy, staff, total: energy + staff },
    powerSwing: swing,
    nodeSource: spec.source,
    notModelled: FACILITY_NOT_MODELLED,
  };
}
