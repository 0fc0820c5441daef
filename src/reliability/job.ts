/**
 * Everything the run-level models need to know about one job and its
 * machine: the interruptions it suffers (rate and cost of each cause), its
 * checkpoint, its hot spares and how much stragglers stretch it. Built once
 * from a scenario; the expected-value model and the Monte Carlo both read it.
 */
import type { Scenario } from '../config/resolve.js';
import type { FailureModelSpec } from '../config/reliability-schema.js';
import { ClusterTwinError } from '../errors.js';
import { SECONDS_PER_HOUR } from '../units.js';
import { checkpointCost, type CheckpointCost } from './checkpoint.js';
import { jobComponents, type ComponentCounts } from './components.js';
import { failureRates, type CauseRate } from './failure-rates.js';
import { autoSpareNodes, expectedSpareWaitSeconds } from './hot-spares.js';
import { stragglerCostSeconds, stragglerStretch } from './stragglers.js';

/** One cause of interruption with its rate and what it costs. */
export interface Interruption extends CauseRate {
  /** From the failure to the job being torn down, seconds (0 when planned). */
  detectSeconds: number;
  restartSeconds: number;
  /** Loading the last checkpoint, seconds. */
  loadSeconds: number;
  /** A planned stop saves a checkpoint first, seconds. */
  saveSeconds: number;
  /** Expected wait for a replacement node, seconds (the Monte Carlo draws its own). */
  spareWaitSeconds: number;
  /** Expected downtime: the sum of the above. */
  downtimeSeconds: number;
}

export interface ReliabilityJob {
  failureModel: string;
  gpus: number;
  gpusPerNode: number;
  components: ComponentCounts;
  interruptions: Interruption[];
  checkpoint: CheckpointCost;
  hotSpareNodes: number;
  /** Whether the spares were sized automatically (for the failure model's shortfall probability). */
  hotSparesAuto: boolean;
  nodeRepairSeconds: number;
  /** Factor (>= 1) by which stragglers stretch the training time. */
  stragglerStretch: number;
  /** Training seconds one straggler costs (slowdown x how long it stays). */
  stragglerCostSeconds: number;
  usdPerGpuHour: number;
}

export interface ReliabilityOptions {
  /** Failure model to use instead of the system's. */
  failureModel?: FailureModelSpec;
  /** Multiplies every unplanned rate (what-if). */
  rateScale?: number;
  /** Hot spare nodes, or 'auto' (default): enough that a failure finds none with the model's shortfall probability. */
  hotSpares?: number | 'auto';
  asyncCheckpoint?: boolean;
  /** Override the store's aggregate write and read bandwidth, GB/s. */
  writeGBps?: number;
  readGBps?: number;
  /** Override the restart time, seconds. */
  restartSeconds?: number;
}

export function reliabilityJob(s: Scenario, opts: ReliabilityOptions = {}): ReliabilityJob {
  const model = opts.failureModel ?? s.system.reliability;
  const rec = model.recovery;
  const gpus = s.exec.gpus;
  const components = jobComponents(s.system, gpus);
  const rates = failureRates(model, components, opts.rateScale ?? 1);
  const checkpoint = checkpointCost(s, { async: opts.asyncCheckpoint, writeGBps: opts.writeGBps, readGBps: opts.readGBps });
  const nodeRepairSeconds = rec.nodeRepairHours * SECONDS_PER_HOUR;
  const replaceRate = rates.reduce((a, r) => a + (r.replacesNode ? r.perSecond : 0), 0);
  const hotSparesAuto = opts.hotSpares === undefined || opts.hotSpares === 'auto';
  const hotSpareNodes = hotSparesAuto ? autoSpareNodes(nodeRepairSeconds, replaceRate, rec.spareShortfallProbability) : (opts.hotSpares as number);
  if (!Number.isInteger(hotSpareNodes) || hotSpareNodes < 0) {
    throw new ClusterTwinError('invalid_value', '--hot-spares', `expected a whole number of nodes or auto, got ${String(opts.hotSpares)}`);
  }
  const spareWait = expectedSpareWaitSeconds(hotSpareNodes, nodeRepairSeconds, replaceRate);
  const restartSeconds = opts.restartSeconds ?? rec.restartSeconds;
  const interruptions = rates.map((r): Interruption => {
    // A planned stop is announced (no detection) and saves a checkpoint first (no lost work).
    const detectSeconds = r.planned ? 0 : r.detection === 'hang' ? rec.hangDetectSeconds : rec.crashDetectSeconds;
    const loadSeconds = checkpoint.readSeconds;
    const saveSeconds = r.planned ? checkpoint.writeSeconds : 0;
    const spareWaitSeconds = !r.planned && r.replacesNode ? spareWait : 0;
    const downtimeSeconds = detectSeconds + restartSeconds + loadSeconds + saveSeconds + spareWaitSeconds;
    return Object.assign({}, r, { detectSeconds, restartSeconds, loadSeconds, saveSeconds, spareWaitSeconds, downtimeSeconds });
  });
  return {
    failureModel: model.name,
    gpus,
    gpusPerNode: s.system.node.gpusPerNode,
    components,
    interruptions,
    checkpoint,
    hotSpareNodes,
    hotSparesAuto,
    nodeRepairSeconds,
    stragglerStretch: stragglerStretch(model.stragglers, components.node),
    stragglerCostSeconds: stragglerCostSeconds(model.stragglers),
    usdPerGpuHour: s.system.pricing.usdPerGpuHour,
  };
}
