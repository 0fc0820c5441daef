/**
 * What the analytical network model needs to know of a system, in SI units:
 * the bandwidth and latency of each level a collective can cross. Derived
 * once from the system description; the collective code asks these numbers,
 * never "is this NVLink or InfiniBand?".
 */
import type { SystemSpec } from '../config/system-schema.js';
import { gbpsToBytesPerSecond } from '../units.js';

export interface FabricView {
  gpusPerNode: number;
  /** GPUs that share one NVLink domain (a node, or an NVL72 rack). */
  nvlinkDomainGpus: number;
  /** Achieved NVLink bandwidth per GPU per direction, bytes/s. */
  intraBytesPerSecond: number;
  /** NVLS all-reduce algorithm bandwidth, bytes/s (0 when the switch cannot reduce). */
  nvlsAlgBytesPerSecond: number;
  /** Achieved NIC bandwidth of a whole node, bytes/s per direction. */
  nodeNicBytesPerSecond: number;
  nicsPerNode: number;
  /** Extra one-way latency on the wire through the fabric's switches (worst case: up to the top tier and down). */
  netPathLatencySeconds: number;
  /** Downlink:uplink ratio above the leaf switches. */
  oversubscription: number;
  /** Nodes under one leaf switch group before traffic must climb a tier (rail-optimized: radix/2 nodes per rail leaf). */
  nodesPerLeaf: number;
  sharp: boolean;
}

export function fabricView(system: SystemSpec): FabricView {
  const n = system.node;
  const f = system.fabric;
  const switchHops = 2 * f.tiers - 1;
  return {
    gpusPerNode: n.gpusPerNode,
    nvlinkDomainGpus: n.nvlinkDomainGpus ?? n.gpusPerNode,
    intraBytesPerSecond: n.nvlinkGBpsPerGpu * 1e9 * n.nvlinkAchievedFraction,
    nvlsAlgBytesPerSecond: n.nvls ? n.nvlinkGBpsPerGpu * 1e9 * (n.nvlsAlgbwFraction ?? 0) : 0,
    nodeNicBytesPerSecond: n.nicsPerNode * gbpsToBytesPerSecond(n.nicGbps) * n.nicAchievedFraction,
    nicsPerNode: n.nicsPerNode,
    netPathLatencySeconds: (switchHops * f.switchLatencyMicroseconds + f.nicLatencyMicroseconds) * 1e-6,
    oversubscription: f.oversubscription,
    nodesPerLeaf: Math.max(1, Math.floor(f.switchRadix / 2)),
    sharp: f.sharp,
  };
}
