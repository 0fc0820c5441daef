/**
 * The fat tree with its link load, for the fabric chart (charts/fabric-load.ts): one collective
 * timed on the flow-level network model over the job's actual topology, and every device and link
 * laid out as a tree, layer by layer, with each link's tier and how busy it was.
 *
 *   system + job GPUs + collective ─► flow network ─► per-link bytes and utilisation
 *                                                 ─► layers of dots (NVSwitch, GPU, NIC, leaf,
 *                                                    spine, core) and links between them, with
 *                                                    large layers aggregated into dots of several
 *
 * For a training scenario, `gradientReduction(scenario)` names the collective: the data-parallel
 * all-reduce (reduce-scatter under ZeRO) of the first stage's gradients. Pure: no Node, no DOM.
 */
import type { Scenario } from '../config/resolve.js';
import type { SystemSpec } from '../config/system-schema.js';
import { ClusterTwinError } from '../errors.js';
import { stageParamsPerGpu, stateBytesPerParam } from '../memory/memory-model.js';
import { flowNetwork } from '../network/flow/flow-network.js';
import type { CollectiveEstimate, CollectiveRequest } from '../network/network-model.js';
import { dataParallelRanks, parallelLayout } from '../parallel/layout.js';
import { gradientReduceOp } from '../schedule/step-costs.js';
import type { DeviceKind, Topology } from '../topology/topology.js';
import { formatBytes } from '../units.js';

/** Which part of the fabric a link is: inside the NVLink domain, host PCIe to the NIC, or a tier of the fat tree. */
export type LinkTier = 'nvlink' | 'gpu-nic' | 'nic-leaf' | 'leaf-spine' | 'spine-core';
export const LINK_TIERS: readonly LinkTier[] = ['nvlink', 'gpu-nic', 'nic-leaf', 'leaf-spine', 'spine-core'];

/** The layers drawn, bottom to top (NVSwitches under their GPUs, the fat tree above the NICs). */
export const FABRIC_LAYERS: readonly DeviceKind[] = ['nvswitch', 'gpu', 'nic', 'leaf', 'spine', 'core'];

/** A dot: one device, or several consecutive devices of one layer when the layer is large. */
export interface FabricDot {
  id: number;
  layer: DeviceKind;
  label: string;
  /** Devices the dot stands for. */
  devices: number;
  /** Position: x in [0, 1] across its layer, y its layer's index in FABRIC_LAYERS. */
  x: number;
  y: number;
}

/** A drawn link between two dots: every directed link of the topology between their devices, both ways. */
export interface FabricEdge {
  from: number;
  to: number;
  tier: LinkTier;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Directed links it stands for (a trunk's share of one counted as one). */
  links: number;
  /** Bytes the collective moved over them, both directions. */
  bytes: number;
  /** The busiest of them: its busy fraction over the collective's transfer time. */
  utilisation: number;
}

/** One tier's load over every link of the tier (not only those drawn). */
export interface TierLoad {
  tier: LinkTier;
  /** Directed links of the tier in the job's topology (a trunk counts once). */
  links: number;
  /** Those that carried bytes. */
  busyLinks: number;
  bytes: number;
  maxUtilisation: number;
}

/** What the fabric chart draws. */
export interface FabricLoadData {
  system: string;
  gpus: number;
  nodes: number;
  /** The fat tree's tiers of switches (1 to 3). */
  fabricTiers: number;
  routing: Topology['routing'];
  collective: {
    op: CollectiveRequest['op'];
    bytes: number;
    ranks: number;
    /** What it is, in words ("the data-parallel all-reduce of ..."). */
    words: string;
  } & CollectiveEstimate;
  /** True when the flow model had too many flows to build and answered analytically: no link loads. */
  analytical: boolean;
  dots: FabricDot[];
  edges: FabricEdge[];
  tiers: TierLoad[];
  /** Most dots a layer was allowed (FabricLoadOptions.maxDotsPerLayer). */
  maxDotsPerLayer: number;
  /** Layers drawn as dots of several devices, and how many each dot holds at most. */
  aggregated: Array<{ layer: DeviceKind; devices: number; perDot: number }>;
}

/** Options of the layout. */
export interface FabricLoadOptions {
  /** Most dots in one layer; a larger layer is drawn as dots of several consecutive devices (default 64). */
  maxDotsPerLayer?: number;
  /** The collective in words, for the caption. */
  words?: string;
}

const DEFAULT_MAX_DOTS = 64;

/** The tier of every link of a topology, by link id (a trunk is the bundle of the tier it stands for). */
function linkTiers(topo: Topology): LinkTier[] {
  const kindOf = (d: number): DeviceKind => topo.devices[d].kind;
  const podTrunks = new Set([...topo.podTrunkUp, ...topo.podTrunkDown].filter((l) => l >= 0));
  return topo.links.map((l) => {
    if (l.kind === 'nvlink' || l.kind === 'nvls') return 'nvlink';
    if (l.kind === 'pcie') return 'gpu-nic';
    if (l.kind === 'trunk') return podTrunks.has(l.id) ? 'spine-core' : 'leaf-spine';
    const ends = new Set([kindOf(l.from), kindOf(l.to)]);
    if (ends.has('nic')) return 'nic-leaf';
    if (ends.has('core')) return 'spine-core';
    return 'leaf-spine';
  });
}

/** Consecutive devices a dot holds in a layer of `n`: 1, or whole natural groups (a node's GPUs, a pod's spines) when the layer is over the cap. */
function perDot(n: number, cap: number, unit: number): number {
  const k = Math.ceil(n / cap);
  if (k <= 1) return 1;
  const u = Math.max(1, unit);
  return Math.ceil(Math.max(k, u) / u) * u;
}

/**
 * Times `request` on the flow network of `system` for a job of `jobGpus` GPUs and lays the fabric
 * out with each link's load. Throws a ClusterTwinError when the job does not fit the fabric.
 */
export function fabricLoadData(system: SystemSpec, jobGpus: number, request: CollectiveRequest, opts: FabricLoadOptions = {}): FabricLoadData {
  const cap = opts.maxDotsPerLayer ?? DEFAULT_MAX_DOTS;
  if (!(Number.isInteger(cap) && cap >= 2)) throw new ClusterTwinError('invalid_value', 'maxDotsPerLayer', `expected a whole number of at least 2, got ${cap}`);
  const net = flowNetwork(system, jobGpus);
  const topo = net.topology;
  const estimate = net.collective(request);
  const loads = net.lastLinkLoads();
  const tierOf = linkTiers(topo);
  const bytes = new Float64Array(topo.links.length);
  const util = new Float64Array(topo.links.length);
  for (const l of loads) {
    bytes[l.linkId] = l.bytes;
    util[l.linkId] = l.utilisation;
  }

  // Dots: each layer's devices in build order (which is rank, node, leaf, pod order), grouped when many.
  const geo = topo.geometry;
  const units: Partial<Record<DeviceKind, number>> = { gpu: topo.gpusPerNode, nic: geo.rails, nvswitch: 1, leaf: geo.railOptimized ? geo.rails : 1, spine: geo.leafUp, core: geo.spineUp };
  const dotOf = new Int32Array(topo.devices.length).fill(-1);
  const dots: FabricDot[] = [];
  const aggregated: FabricLoadData['aggregated'] = [];
  FABRIC_LAYERS.forEach((layer, y) => {
    const members = topo.devices.filter((d) => d.kind === layer);
    if (members.length === 0) return;
    const k = perDot(members.length, cap, units[layer] ?? 1);
    if (k > 1) aggregated.push({ layer, devices: members.length, perDot: k });
    const count = Math.ceil(members.length / k);
    for (let i = 0; i < count; i++) {
      const group = members.slice(i * k, (i + 1) * k);
      const id = dots.length;
      for (const d of group) dotOf[d.id] = id;
      dots.push({ id, layer, label: group.length === 1 ? group[0].name : `${group[0].name} … ${group[group.length - 1].name} (${group.length})`, devices: group.length, x: (i + 0.5) / count, y });
    }
  });

  // Edges between dots, both directions in one. A trunk (adaptive routing spreads a leaf's or a
  // pod's uplinks evenly) is drawn as the links it bundles, each carrying its share.
  const edges = new Map<string, FabricEdge>();
  const addEdge = (a: number, b: number, tier: LinkTier, linkBytes: number, u: number): void => {
    const [from, to] = a < b ? [a, b] : [b, a];
    const key = `${from}|${to}|${tier}`;
    let e = edges.get(key);
    if (!e) {
      const p = dots[from];
      const q = dots[to];
      e = { from, to, tier, x1: p.x, y1: p.y, x2: q.x, y2: q.y, links: 0, bytes: 0, utilisation: 0 };
      edges.set(key, e);
    }
    e.links++;
    e.bytes += linkBytes;
    e.utilisation = Math.max(e.utilisation, u);
  };
  const trunkFanout = new Map<number, number[]>();
  const leafDev = topo.devices.filter((d) => d.kind === 'leaf');
  const spineDev = topo.devices.filter((d) => d.kind === 'spine');
  const coreDev = topo.devices.filter((d) => d.kind === 'core');
  for (let l = 0; l < topo.leaves; l++) {
    const spines = Array.from({ length: geo.leafUp }, (_, j) => spineDev[topo.podOfLeaf[l] * geo.leafUp + j]?.id).filter((d) => d !== undefined);
    for (const t of [topo.leafTrunkUp[l], topo.leafTrunkDown[l]]) if (t >= 0) trunkFanout.set(t, spines.flatMap((s) => [leafDev[l].id, s]));
  }
  for (let p = 0; p < topo.pods; p++) {
    const pairs: number[] = [];
    for (let j = 0; j < geo.leafUp; j++) for (let c = 0; c < geo.spineUp; c++) if (spineDev[p * geo.leafUp + j] && coreDev[j * geo.spineUp + c]) pairs.push(spineDev[p * geo.leafUp + j].id, coreDev[j * geo.spineUp + c].id);
    for (const t of [topo.podTrunkUp[p], topo.podTrunkDown[p]]) if (t >= 0) trunkFanout.set(t, pairs);
  }
  const tiers = new Map<LinkTier, TierLoad>(LINK_TIERS.map((t) => [t, { tier: t, links: 0, busyLinks: 0, bytes: 0, maxUtilisation: 0 }]));
  for (const link of topo.links) {
    const tier = tierOf[link.id];
    const t = tiers.get(tier)!;
    t.links++;
    if (bytes[link.id] > 0) t.busyLinks++;
    t.bytes += bytes[link.id];
    t.maxUtilisation = Math.max(t.maxUtilisation, util[link.id]);
    const fan = trunkFanout.get(link.id);
    if (fan) {
      const n = fan.length / 2;
      for (let i = 0; i < fan.length; i += 2) addEdge(dotOf[fan[i]], dotOf[fan[i + 1]], tier, bytes[link.id] / n, util[link.id]);
      continue;
    }
    // A self-loop (an NVLS port on its switch) or a link inside one dot has no line to draw.
    const a = dotOf[link.from];
    const b = dotOf[link.to];
    if (a === b) continue;
    addEdge(a, b, tier, bytes[link.id], util[link.id]);
  }
  return {
    system: system.name,
    gpus: topo.gpus,
    nodes: topo.nodes,
    fabricTiers: geo.tiers,
    routing: topo.routing,
    collective: { op: request.op, bytes: request.bytes, ranks: request.group.ranks, words: opts.words ?? `${request.op} of ${formatBytes(request.bytes)} over ${request.group.ranks} ranks`, ...estimate },
    analytical: loads.length === 0 && request.group.ranks > 1 && request.bytes > 0,
    dots,
    edges: [...edges.values()],
    tiers: [...tiers.values()].filter((t) => t.links > 0),
    maxDotsPerLayer: cap,
    aggregated,
  };
}

/**
 * A training scenario's data-parallel gradient reduction, the fabric's heaviest traffic in most
 * jobs: the first pipeline stage's gradients (bytes a GPU, in the dtype they are reduced in),
 * all-reduced over its DP x CP group (context-parallel ranks hold the same weights), or
 * reduce-scattered under ZeRO. Undefined without data or context parallelism (DP x CP 1), where
 * nothing crosses the data-parallel fabric.
 */
export function gradientReduction(s: Scenario): { request: CollectiveRequest; words: string } | undefined {
  const e = s.exec;
  const ranks = dataParallelRanks(e);
  if (ranks <= 1) return undefined;
  const n = s.system.node;
  const layout = parallelLayout(e, n.gpusPerNode, n.nvlinkDomainGpus ?? n.gpusPerNode);
  const bytes = stageParamsPerGpu(s.model, e, 0, e.layersPerStage[0]) * stateBytesPerParam(e).reducedGrads;
  const op = gradientReduceOp(e);
  return {
    request: { op, bytes, group: layout.dpCp },
    words: `the data-parallel ${op === 'allreduce' ? 'all-reduce' : 'reduce-scatter'} of stage 0's gradients, ${formatBytes(bytes)} a GPU over ${ranks} ranks${e.cp > 1 ? ` (DP ${e.dp} x CP ${e.cp})` : ''}`,
  };
}

/** The fabric load of a scenario's gradient reduction on its own job's topology; undefined without DP. */
export function scenarioFabricLoad(s: Scenario, opts: FabricLoadOptions = {}): FabricLoadData | undefined {
  const g = gradientReduction(s);
  return g ? fabricLoadData(s.system, s.exec.gpus, g.request, { words: g.words, ...opts }) : undefined;
}
