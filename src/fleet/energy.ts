/**
 * The fleet's energy from its GPU-hours by state: a busy GPU at the system's
 * average training power (TDP x `gpuPowerFractionOfTdp`), an idle or spare one
 * at an idle figure, each powered node's host at `hostWattsPerNode`, all times
 * the facility's PUE. A node in repair is off.
 */
import type { SystemSpec } from '../config/system-schema.js';

/**
 * An idle GPU's draw as a fraction of TDP. U: nvidia-smi on an idle H100 SXM commonly reads 60-75 W
 * of its 700 W (operators' reports, unconfirmed); 0.1 x TDP is used for every GPU. docs/sources/fleet.md.
 */
export const IDLE_FRACTION_OF_TDP = 0.1;

export interface FleetEnergy {
  /** IT energy (GPUs and hosts), MWh. */
  itMWh: number;
  /** IT energy times PUE, MWh. */
  facilityMWh: number;
}

/** Energy of the fleet from GPU-seconds busy, idle (idle and spare) and node-seconds powered. */
export function fleetEnergy(system: SystemSpec, busyGpuSeconds: number, idleGpuSeconds: number, poweredNodeSeconds: number): FleetEnergy {
  const tdp = system.gpu.tdpWatts;
  const joules = busyGpuSeconds * tdp * system.power.gpuPowerFractionOfTdp + idleGpuSeconds * tdp * IDLE_FRACTION_OF_TDP + poweredNodeSeconds * system.power.hostWattsPerNode;
  const itMWh = joules / 3.6e9;
  return { itMWh, facilityMWh: itMWh * system.power.pue };
}
