/**
 * The machine as explicit objects: GPUs, NICs, NVSwitches and fabric
 * switches, and the directed links between them, each with an id, a capacity
 * and a latency, so that a later model can fail one. Built for the nodes a
 * job occupies: NVLink domains, and a rail-optimized (or not) fat tree of
 * one, two or three tiers with oversubscription at the leaf and spine tiers.
 * An InfiniBand fat tree and a RoCE Clos share this shape; they differ in
 * their figures (link rate, switch latency, radix).
 */
import type { SystemSpec } from '../config/system-schema.js';
import { gbpsToBytesPerSecond } from '../units.js';
import { checkFabricHolds, fatTreeGeometry, type FatTreeGeometry } from './fat-tree-geometry.js';
import { effectiveRouting } from '../config/fabric-kinds.js';

export type DeviceKind = 'gpu' | 'nic' | 'nvswitch' | 'leaf' | 'spine' | 'core';
export type LinkKind = 'nvlink' | 'nvls' | 'pcie' | 'net' | 'trunk';

export interface Device {
  id: number;
  kind: DeviceKind;
  name: string;
}

export interface Link {
  id: number;
  from: number;
  to: number;
  kind: LinkKind;
  capacityBytesPerSecond: number;
  latencySeconds: number;
}

/** Fixed per-direction figures for PCIe 5 x16 (~63 GB/s, ml-engineering) when the system does not say. */
const DEFAULT_PCIE_GBPS = 63;

export interface Topology {
  system: string;
  /** How uplinks are chosen (see FabricSpec.routing). */
  routing: 'adaptive' | 'destination' | 'ecmp';
  /**
   * Under adaptive routing, the uplinks of a leaf (and of a pod) act as one
   * trunk: per leaf, leaf -> spines and spines -> leaf; per pod, spines -> cores
   * and cores -> spines. Each trunk's capacity is the sum of its links.
   */
  leafTrunkUp: Int32Array;
  leafTrunkDown: Int32Array;
  podTrunkUp: Int32Array;
  podTrunkDown: Int32Array;
  geometry: FatTreeGeometry;
  gpusPerNode: number;
  nodes: number;
  gpus: number;
  devices: Device[];
  links: Link[];
  /** Per GPU rank: link GPU -> its NVSwitch, and NVSwitch -> GPU. */
  gpuUp: Int32Array;
  gpuDown: Int32Array;
  /** Per GPU rank: the NVLS port (the switch's reduction share for that GPU), when the switch can reduce. */
  nvlsPort: Int32Array;
  /** Per GPU rank: the rail (NIC index in its node) it sends through. */
  railOf: Int32Array;
  /** Per GPU rank: GPU -> its rail's NIC and back (host PCIe). */
  pcieUp: Int32Array;
  pcieDown: Int32Array;
  /** Per NIC (node * rails + rail): NIC -> leaf and leaf -> NIC. */
  nicUp: Int32Array;
  nicDown: Int32Array;
  /** Per NIC: its leaf index. */
  leafOfNic: Int32Array;
  /** Per leaf: its pod. */
  podOfLeaf: Int32Array;
  /** leafUpLinks[leaf * leafUp + j]: leaf -> spine j of its pod; leafDownLinks likewise spine j -> leaf. */
  leafUpLinks: Int32Array;
  leafDownLinks: Int32Array;
  /** spineUpLinks[(pod * leafUp + j) * spineUp + c]: spine j of pod -> core c of plane j; spineDownLinks the reverse. */
  spineUpLinks: Int32Array;
  spineDownLinks: Int32Array;
  leaves: number;
  pods: number;
}

/**
 * Builds the topology of the nodes a job of `gpus` GPUs occupies: the first nodes of the fabric,
 * or, given `fabricNodes` (the fabric node of each of the job's nodes, as src/network/job-placement.ts
 * gives them), the leaf groups and pods those nodes sit in. Only the leaves and pods the job
 * touches are built; a leaf group's or pod's uplinks are the same wherever it is.
 */
export function buildTopology(system: SystemSpec, gpus: number, fabricNodes?: Int32Array): Topology {
  const node = system.node;
  const G = node.gpusPerNode;
  const nodes = Math.ceil(gpus / G);
  const geo = fatTreeGeometry(system.fabric, node);
  checkFabricHolds(system, gpus);
  if (fabricNodes) {
    let last = 0;
    for (let n = 0; n < nodes; n++) last = Math.max(last, fabricNodes[n] ?? 0);
    checkFabricHolds(system, (last + 1) * G, 'placement.nodes');
  }
  const devices: Device[] = [];
  const links: Link[] = [];
  const addDevice = (kind: DeviceKind, name: string): number => {
    devices.push({ id: devices.length, kind, name });
    return devices.length - 1;
  };
  const addLink = (from: number, to: number, kind: LinkKind, capacity: number, latency: number): number => {
    links.push({ id: links.length, from, to, kind, capacityBytesPerSecond: capacity, latencySeconds: latency });
    return links.length - 1;
  };
  const nvlinkBw = node.nvlinkGBpsPerGpu * 1e9 * node.nvlinkAchievedFraction;
  const nvlsBw = node.nvls ? node.nvlinkGBpsPerGpu * 1e9 * (node.nvlsAlgbwFraction ?? 0) : 0;
  const netBw = gbpsToBytesPerSecond(node.nicGbps) * node.nicAchievedFraction;
  const pcieBw = (node.pcieGBps ?? DEFAULT_PCIE_GBPS) * 1e9;
  const switchLat = system.fabric.switchLatencyMicroseconds * 1e-6;
  const nicLat = system.fabric.nicLatencyMicroseconds * 1e-6;

  // NVLink domains: one NVSwitch (fabric) per domain.
  const domainGpus = Math.max(node.nvlinkDomainGpus ?? G, G);
  const domains = Math.ceil(gpus / domainGpus);
  const nvswitch = Array.from({ length: domains }, (_, d) => addDevice('nvswitch', `nvswitch${d}`));
  const gpuDev = new Int32Array(nodes * G);
  const gpuUp = new Int32Array(nodes * G);
  const gpuDown = new Int32Array(nodes * G);
  const nvlsPort = new Int32Array(nodes * G).fill(-1);
  const railOf = new Int32Array(nodes * G);
  for (let r = 0; r < nodes * G; r++) {
    const g = addDevice('gpu', `gpu${r}`);
    gpuDev[r] = g;
    const sw = nvswitch[Math.min(domains - 1, Math.floor(r / domainGpus))];
    gpuUp[r] = addLink(g, sw, 'nvlink', nvlinkBw, 0);
    gpuDown[r] = addLink(sw, g, 'nvlink', nvlinkBw, 0);
    if (nvlsBw > 0) nvlsPort[r] = addLink(sw, sw, 'nvls', nvlsBw, 0);
    // GPUs share NICs evenly when a node has fewer NICs than GPUs.
    railOf[r] = Math.floor(((r % G) * geo.rails) / G);
  }

  // Fabric switches.
  const rails = geo.rails;
  const nics = nodes * rails;
  const leafOfNic = new Int32Array(nics);
  let leaves: number;
  let pods = 1;
  const podOfLeafList: number[] = [];
  /** Per pod, a leaf in it (the trunks' endpoints). */
  const firstLeafOfPod: number[] = [];
  if (fabricNodes) {
    // Dense numbering of the leaf groups and pods the job touches, in fabric order.
    const groupOf = (n: number): number => Math.floor(fabricNodes[n]! / geo.nodesPerLeaf);
    const groups = [...new Set(Array.from({ length: nodes }, (_, n) => groupOf(n)))].sort((a, b) => a - b);
    const podOfGroup = (grp: number): number => (geo.tiers === 1 ? 0 : Math.floor((grp * geo.nodesPerLeaf) / geo.nodesPerPod));
    const podIds = [...new Set(groups.map(podOfGroup))].sort((a, b) => a - b);
    const denseGroup = new Map(groups.map((grp, i) => [grp, i]));
    const densePod = new Map(podIds.map((p, i) => [p, i]));
    const perGroup = geo.railOptimized ? rails : 1;
    leaves = groups.length * perGroup;
    pods = podIds.length;
    groups.forEach((grp) => {
      for (let k = 0; k < perGroup; k++) podOfLeafList.push(densePod.get(podOfGroup(grp))!);
    });
    for (let n = 0; n < nodes; n++) for (let k = 0; k < rails; k++) leafOfNic[n * rails + k] = denseGroup.get(groupOf(n))! * perGroup + (geo.railOptimized ? k : 0);
  } else if (geo.railOptimized) {
    const groups = Math.ceil(nodes / geo.nodesPerLeaf);
    leaves = groups * rails;
    for (let n = 0; n < nodes; n++) for (let k = 0; k < rails; k++) leafOfNic[n * rails + k] = Math.floor(n / geo.nodesPerLeaf) * rails + k;
  } else {
    leaves = Math.ceil(nodes / geo.nodesPerLeaf);
    for (let n = 0; n < nodes; n++) for (let k = 0; k < rails; k++) leafOfNic[n * rails + k] = Math.floor(n / geo.nodesPerLeaf);
  }
  if (!fabricNodes) pods = geo.tiers === 1 ? 1 : Math.ceil(leaves / geo.leavesPerPod);
  const leafDev = Array.from({ length: leaves }, (_, l) => addDevice('leaf', `leaf${l}`));
  const podOfLeaf = new Int32Array(leaves);
  if (fabricNodes) podOfLeaf.set(podOfLeafList);
  else {
    for (let l = 0; l < leaves; l++) podOfLeaf[l] = geo.tiers === 1 ? 0 : Math.floor(l / geo.leavesPerPod);
  }
  for (let l = leaves - 1; l >= 0; l--) firstLeafOfPod[podOfLeaf[l]!] = l;

  const pcieUp = new Int32Array(nodes * G);
  const pcieDown = new Int32Array(nodes * G);
  const nicUp = new Int32Array(nics);
  const nicDown = new Int32Array(nics);
  for (let n = 0; n < nodes; n++) {
    const nicDev: number[] = [];
    for (let k = 0; k < rails; k++) {
      const i = n * rails + k;
      const nic = addDevice('nic', `node${n}/nic${k}`);
      nicDev.push(nic);
      nicUp[i] = addLink(nic, leafDev[leafOfNic[i]], 'net', netBw, nicLat + switchLat);
      nicDown[i] = addLink(leafDev[leafOfNic[i]], nic, 'net', netBw, 0);
    }
    // Each GPU reaches its rail's NIC over PCIe (GPUDirect RDMA).
    for (let i = 0; i < G; i++) {
      const r = n * G + i;
      pcieUp[r] = addLink(gpuDev[r], nicDev[railOf[r]], 'pcie', pcieBw, 0);
      pcieDown[r] = addLink(nicDev[railOf[r]], gpuDev[r], 'pcie', pcieBw, 0);
    }
  }

  const up1 = geo.leafUp;
  const leafUpLinks = new Int32Array(leaves * up1);
  const leafDownLinks = new Int32Array(leaves * up1);
  const up2 = geo.spineUp;
  const spineUpLinks = new Int32Array(pods * up1 * up2);
  const spineDownLinks = new Int32Array(pods * up1 * up2);
  if (geo.tiers >= 2) {
    // Each leaf has one uplink to each of its pod's `leafUp` spines.
    const spineDev = Array.from({ length: pods * up1 }, (_, i) => addDevice('spine', `pod${Math.floor(i / up1)}/spine${i % up1}`));
    for (let l = 0; l < leaves; l++) {
      for (let j = 0; j < up1; j++) {
        const sp = spineDev[podOfLeaf[l] * up1 + j];
        leafUpLinks[l * up1 + j] = addLink(leafDev[l], sp, 'net', netBw, switchLat);
        leafDownLinks[l * up1 + j] = addLink(sp, leafDev[l], 'net', netBw, switchLat);
      }
    }
    if (geo.tiers === 3 && pods > 1) {
      // Core plane j holds `spineUp` cores; spine j of every pod links once to each.
      const coreDev = Array.from({ length: up1 * up2 }, (_, i) => addDevice('core', `plane${Math.floor(i / up2)}/core${i % up2}`));
      for (let p = 0; p < pods; p++) {
        for (let j = 0; j < up1; j++) {
          for (let c = 0; c < up2; c++) {
            const idx = (p * up1 + j) * up2 + c;
            spineUpLinks[idx] = addLink(spineDev[p * up1 + j], coreDev[j * up2 + c], 'net', netBw, switchLat);
            spineDownLinks[idx] = addLink(coreDev[j * up2 + c], spineDev[p * up1 + j], 'net', netBw, switchLat);
          }
        }
      }
    }
  }

  // Adaptive routing spreads each tier's traffic over all its uplinks: model each bundle as one trunk.
  const leafTrunkUp = new Int32Array(leaves).fill(-1);
  const leafTrunkDown = new Int32Array(leaves).fill(-1);
  const podTrunkUp = new Int32Array(pods).fill(-1);
  const podTrunkDown = new Int32Array(pods).fill(-1);
  // A multipath transport (EFA's SRD) spreads like adaptive routing whatever the switches do.
  const routing = effectiveRouting(system.fabric);
  if (routing === 'adaptive' && geo.tiers >= 2) {
    for (let l = 0; l < leaves; l++) {
      leafTrunkUp[l] = addLink(leafDev[l], leafDev[l], 'trunk', up1 * netBw, switchLat);
      leafTrunkDown[l] = addLink(leafDev[l], leafDev[l], 'trunk', up1 * netBw, switchLat);
    }
    if (geo.tiers === 3 && pods > 1) {
      for (let p = 0; p < pods; p++) {
        const at = leafDev[firstLeafOfPod[p]!]!;
        podTrunkUp[p] = addLink(at, at, 'trunk', up1 * up2 * netBw, switchLat);
        podTrunkDown[p] = addLink(at, at, 'trunk', up1 * up2 * netBw, switchLat);
      }
    }
  }

  if (fabricNodes) shareUplinks(links, geo, leafOfNic, podOfLeaf, rails, nodes, { leafUpLinks, leafDownLinks, spineUpLinks, spineDownLinks, leafTrunkUp, leafTrunkDown, podTrunkUp, podTrunkDown });

  return {
    system: system.name,
    routing,
    leafTrunkUp,
    leafTrunkDown,
    podTrunkUp,
    podTrunkDown,
    geometry: geo,
    gpusPerNode: G,
    nodes,
    gpus: nodes * G,
    devices,
    links,
    gpuUp,
    gpuDown,
    nvlsPort,
    railOf,
    pcieUp,
    pcieDown,
    nicUp,
    nicDown,
    leafOfNic,
    podOfLeaf,
    leafUpLinks,
    leafDownLinks,
    spineUpLinks,
    spineDownLinks,
    leaves,
    pods,
  };
}

/**
 * A placed job shares its leaf groups and pods with other tenants: it gets its nodes' part of each
 * uplink bundle (k of the group's nodesPerLeaf ports, k of the pod's nodesPerPod), the fair share
 * when every port under the switch sends up at once. A job that fills its leaf group keeps it all.
 */
function shareUplinks(
  links: Link[],
  geo: FatTreeGeometry,
  leafOfNic: Int32Array,
  podOfLeaf: Int32Array,
  rails: number,
  nodes: number,
  l: Record<'leafUpLinks' | 'leafDownLinks' | 'spineUpLinks' | 'spineDownLinks' | 'leafTrunkUp' | 'leafTrunkDown' | 'podTrunkUp' | 'podTrunkDown', Int32Array>,
): void {
  const leaves = podOfLeaf.length;
  const nodesOnLeaf = new Float64Array(leaves);
  for (let n = 0; n < nodes; n++) {
    // Every leaf a node's NICs reach counts the node once.
    const seen = new Set<number>();
    for (let k = 0; k < rails; k++) seen.add(leafOfNic[n * rails + k]!);
    for (const leaf of seen) nodesOnLeaf[leaf]!++;
  }
  const pods = l.podTrunkUp.length;
  const nodesOnPod = new Float64Array(pods);
  const leavesPerGroup = geo.railOptimized ? geo.rails : 1;
  for (let leaf = 0; leaf < leaves; leaf += leavesPerGroup) nodesOnPod[podOfLeaf[leaf]!]! += nodesOnLeaf[leaf]!;
  const scale = (id: number, share: number): void => {
    if (id >= 0 && id < links.length) links[id]!.capacityBytesPerSecond *= Math.min(1, share);
  };
  if (geo.tiers < 2) return;
  const up1 = geo.leafUp;
  for (let leaf = 0; leaf < leaves; leaf++) {
    const share = nodesOnLeaf[leaf]! / geo.nodesPerLeaf;
    for (let j = 0; j < up1; j++) {
      scale(l.leafUpLinks[leaf * up1 + j]!, share);
      scale(l.leafDownLinks[leaf * up1 + j]!, share);
    }
    scale(l.leafTrunkUp[leaf]!, share);
    scale(l.leafTrunkDown[leaf]!, share);
  }
  const up2 = geo.spineUp;
  if (geo.tiers === 3 && pods > 1) {
    for (let p = 0; p < pods; p++) {
      const share = nodesOnPod[p]! / geo.nodesPerPod;
      for (let i = p * up1 * up2; i < (p + 1) * up1 * up2; i++) {
        scale(l.spineUpLinks[i]!, share);
        scale(l.spineDownLinks[i]!, share);
      }
      scale(l.podTrunkUp[p]!, share);
      scale(l.podTrunkDown[p]!, share);
    }
  }
}
