/**
 * The fleet: whole nodes of the system preset, grouped into leaves and pods
 * as its fat tree sizes them (src/topology/fat-tree-geometry.ts), some held
 * out as hot spares; what each failure cause costs in repair; and the list
 * price per GPU-hour of each tenant class.
 *
 * A "leaf" here is the group of nodes whose NICs share leaf switches: on a
 * rail-optimized fabric, one leaf per rail for the same `nodesPerLeaf` nodes.
 * A job inside one leaf group never crosses a spine; inside one pod it
 * crosses the spines but not the core.
 */
import type { SystemSpec } from '../config/system-schema.js';
import { ClusterTwinError } from '../errors.js';
import { fabricLinks } from '../reliability/components.js';
import { perUnitHour } from '../reliability/failure-rates.js';
import { fatTreeGeometry } from '../topology/fat-tree-geometry.js';
import type { JobPriority } from './job.js';

/** Tenant classes with their own list price. */
export const TENANT_CLASSES = ['onDemand', 'reserved', 'spot'] as const;
export type TenantClass = (typeof TENANT_CLASSES)[number];

/**
 * Price of each class against the on-demand list price. Reserved: Azure's 1-year reservation of ND
 * H100 v5 is listed at about 37% off pay-as-you-go in the pricing calculator (S, U: varies by region);
 * spot: Azure Spot VMs "up to 90%" off (azure.microsoft.com/pricing/spot-advisor, S); spot capacity
 * for GPUs sells well above the floor, so 0.4 x is used here (U). docs/sources/fleet.md.
 */
export const CLASS_PRICE_FACTOR: Record<TenantClass, number> = { onDemand: 1, reserved: 0.63, spot: 0.4 };

/** One failure cause as the fleet sees it: per node-hour rate, and what it does to the node. */
export interface NodeCause {
  name: string;
  /** Interruptions per node per hour (the cause's per-unit rate times the node's units). */
  perNodeHour: number;
  /** The node leaves the pool until repaired (a hardware replacement); else the job restarts on it. */
  replacesNode: boolean;
  /** Until the node is back, seconds (0 when it stays). */
  repairSeconds: number;
  /** Where the repair time comes from. */
  repairSource: string;
  planned: boolean;
}

export interface FleetModel {
  system: SystemSpec;
  gpusPerNode: number;
  nodes: number;
  /** Nodes held out as hot spares at the start (and refilled from repairs). */
  hotSpares: number;
  nodesPerLeaf: number;
  leavesPerPod: number;
  leaves: number;
  pods: number;
  /** Leaf and pod of each node (node order fills a leaf, then the next). */
  leafOfNode: Int32Array;
  podOfNode: Int32Array;
  causes: NodeCause[];
  /** Unplanned interruptions per node-hour, every cause. */
  unplannedPerNodeHour: number;
  /** Detection plus restart of a job after a crash, seconds (the failure model's recovery). */
  restartSeconds: number;
  usdPerGpuHour: Record<TenantClass, number>;
}

export interface FleetOptions {
  gpus: number;
  hotSpares?: number;
  /** Multiply every unplanned rate (what-if; 0 turns failures off). */
  failureRateScale?: number;
  /** Tenants on reserved contracts (priced at the reserved rate). */
  reservedTenants?: string[];
}

/** Builds the fleet; `gpus` is rounded down to whole nodes (at least one). */
export function fleetModel(system: SystemSpec, opts: FleetOptions): FleetModel {
  const g = system.node.gpusPerNode;
  const nodes = Math.floor(opts.gpus / g);
  if (nodes < 1) throw new ClusterTwinError('out_of_range', '--gpus', `a fleet needs at least one ${g}-GPU node; got ${opts.gpus} GPUs`);
  const hotSpares = opts.hotSpares ?? 0;
  if (hotSpares >= nodes) throw new ClusterTwinError('out_of_range', '--hot-spares', `${hotSpares} spare nodes leave none of the fleet's ${nodes} to run jobs`);
  const geo = fatTreeGeometry(system.fabric, system.node);
  // A leaf group holds `nodesPerLeaf` nodes; a pod `nodesPerPod` (leaf groups x nodes each).
  const nodesPerLeaf = Math.max(1, Math.min(geo.nodesPerLeaf, nodes));
  const leafGroupsPerPod = Math.max(1, Math.round(geo.nodesPerPod / geo.nodesPerLeaf));
  const leaves = Math.ceil(nodes / nodesPerLeaf);
  const pods = Math.ceil(leaves / leafGroupsPerPod);
  const leafOfNode = new Int32Array(nodes);
  const podOfNode = new Int32Array(nodes);
  for (let n = 0; n < nodes; n++) {
    leafOfNode[n] = Math.floor(n / nodesPerLeaf);
    podOfNode[n] = Math.floor(leafOfNode[n]! / leafGroupsPerPod);
  }
  const causes = nodeCauses(system, nodes, opts.failureRateScale ?? 1);
  const price = system.pricing.usdPerGpuHour;
  return {
    system,
    gpusPerNode: g,
    nodes,
    hotSpares,
    nodesPerLeaf,
    leavesPerPod: leafGroupsPerPod,
    leaves,
    pods,
    leafOfNode,
    podOfNode,
    causes,
    unplannedPerNodeHour: causes.reduce((a, c) => a + (c.planned ? 0 : c.perNodeHour), 0),
    restartSeconds: system.reliability.recovery.crashDetectSeconds + system.reliability.recovery.restartSeconds,
    usdPerGpuHour: { onDemand: price, reserved: price * CLASS_PRICE_FACTOR.reserved, spot: price * CLASS_PRICE_FACTOR.spot },
  };
}

/**
 * The failure model's causes per node: a per-GPU cause times the node's GPUs, per-NIC times its
 * NICs, per fabric link times the links a node's share of the whole fleet spans. A per-job cause
 * (an outside dependency) is not a node's and is left out, as are planned stops (maintenance is
 * not simulated; docs/fleet.md). Repair: a cause that replaces the node takes the failure model's
 * `nodeRepairHours`; the others leave the node in place.
 */
export function nodeCauses(system: SystemSpec, fleetNodes: number, scale = 1): NodeCause[] {
  const m = system.reliability;
  const linksPerNode = fabricLinks(system, fleetNodes) / Math.max(1, fleetNodes);
  const units = { gpu: system.node.gpusPerNode, node: 1, nic: system.node.nicsPerNode, fabricLink: linksPerNode, job: 0 };
  const repairSeconds = m.recovery.nodeRepairHours * 3600;
  return m.causes
    .filter((c) => !c.planned && c.component !== 'job')
    .map((c) => ({
      name: c.name,
      perNodeHour: perUnitHour(c, m.observed) * m.rateScale * scale * units[c.component],
      replacesNode: c.replacesNode,
      repairSeconds: c.replacesNode ? repairSeconds : 0,
      repairSource: c.replacesNode ? `failure model ${m.name}: recovery.nodeRepairHours` : 'none: the job restarts on the same node',
      planned: false,
    }));
}

/** The class a job pays under: spot priority is spot; a reserved tenant's job is reserved; else on demand. */
export function tenantClass(priority: JobPriority, tenant: string, reserved: ReadonlySet<string>): TenantClass {
  if (priority === 'spot') return 'spot';
  return reserved.has(tenant) ? 'reserved' : 'onDemand';
}
