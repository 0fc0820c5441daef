/**
 * The fleet report's building section (issue #17): the facility the fleet's GPUs need, from
 * `clustertwin facility`'s model (src/facility/) with no training job given, so the GPUs' average
 * power is the system preset's fraction of TDP. `clustertwin facility` gives the detail and the
 * power swing of one job's step.
 */
import type { SystemSpec } from '../config/system-schema.js';
import { facilityReport, type Cooling } from '../facility/index.js';

export interface FleetBuilding {
  /** IT power at the parts' rated maxima (what the plant is sized for), MW. */
  itPowerDesignMW: number;
  /** IT power at the preset's average GPU power, MW. */
  itPowerAverageMW: number;
  /** The average draw with PUE, MW. */
  facilityPowerMW: number;
  pue: number;
  racks: number;
  cooling: Cooling;
  capexUsd: number;
  opexUsdPerYear: number;
}

export function fleetBuilding(system: SystemSpec, gpus: number): FleetBuilding {
  const f = facilityReport(system, gpus);
  return {
    itPowerDesignMW: f.itPower.design.totalMW,
    itPowerAverageMW: f.itPowerMW,
    facilityPowerMW: f.facilityPowerMW,
    pue: f.pue,
    racks: f.racks.total,
    cooling: f.cooling,
    capexUsd: f.capexUsd.total,
    opexUsdPerYear: f.opexUsdPerYear.total,
  };
}
