/**
 * The whole training run from one step: how many steps the token budget
 * takes, how long, how many GPU-hours, how much energy and money. Failures
 * and checkpoints are not counted here (see the reliability model).
 */
import type { SystemSpec } from '../config/system-schema.js';
import type { Execution } from '../config/execution-schema.js';
import { SECONDS_PER_HOUR } from '../units.js';

export interface RunEstimate {
  steps: number;
  tokensPerStep: number;
  timeToTrainSeconds: number;
  gpuHours: number;
  /** Average facility power, watts (GPU average power + host power, times PUE). */
  facilityWatts: number;
  energyMWh: number;
  costUsd: number;
}

/** Average power the job draws at the facility meter, watts. */
export function facilityWatts(system: SystemSpec, gpus: number): number {
  const nodes = Math.ceil(gpus / system.node.gpusPerNode);
  const it = gpus * system.gpu.tdpWatts * system.power.gpuPowerFractionOfTdp + nodes * system.power.hostWattsPerNode;
  return it * system.power.pue;
}

export function runEstimate(system: SystemSpec, e: Execution, stepTimeSeconds: number): RunEstimate {
  const tokensPerStep = e.gbs * e.seq;
  const steps = Math.ceil(e.tokens / tokensPerStep);
  const timeToTrainSeconds = steps * stepTimeSeconds;
  const gpuHours = (e.gpus * timeToTrainSeconds) / SECONDS_PER_HOUR;
  const watts = facilityWatts(system, e.gpus);
  const energyMWh = (watts * timeToTrainSeconds) / SECONDS_PER_HOUR / 1e6;
  const costUsd = gpuHours * system.pricing.usdPerGpuHour;
  return { steps, tokensPerStep, timeToTrainSeconds, gpuHours, facilityWatts: watts, energyMWh, costUsd };
}
