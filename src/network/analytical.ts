/**
 * The analytical network model: each collective costs NCCL's latency for its
 * algorithm and protocol plus its bytes over the bottleneck bandwidth of the
 * levels it crosses (NVLink inside a node, the node's NICs between nodes).
 * `auto` picks the fastest (algorithm, protocol) pair, as NCCL's tuner does.
 */
import type { SystemSpec } from '../config/system-schema.js';
import { invalid } from '../errors.js';
import type { FabricView } from './fabric-view.js';
import { fabricView } from './fabric-view.js';
import {
  BASE_LATENCY_US,
  NET_HOP_LATENCY_US,
  NVLINK_HOP_LATENCY_US,
  PROTOCOLS,
  PROTOCOL_BANDWIDTH_FACTOR,
  TREE_BANDWIDTH_FACTOR,
  type Protocol,
} from './nccl-protocols.js';
import type {
  CollectiveAlgorithm,
  CollectiveEstimate,
  CollectiveRequest,
  GroupPlacement,
  NetworkModel,
} from './network-model.js';

type Algo = Exclude<CollectiveAlgorithm, 'auto'>;

/** Bandwidths one rank of a group sees at each level, bytes/s. */
export interface GroupBandwidth {
  /** NVLink per rank. */
  intra: number;
  /** NIC share per rank (all concurrent groups on a node share its NICs); Infinity inside one node. */
  nicPerRank: number;
  /** Ring bus bandwidth: NVLink, or the NICs the group's ranks on one node drive together. */
  ring: number;
}

export function groupBandwidth(v: FabricView, g: GroupPlacement): GroupBandwidth {
  const intra = v.intraBytesPerSecond;
  if (g.nodes <= 1) return { intra, nicPerRank: Infinity, ring: intra };
  const ranksOnNodeNics = g.ranksPerNode * g.concurrentGroupsPerNode;
  // Traffic that leaves a leaf group of nodes crosses the oversubscribed tier.
  const taper = g.nodes > v.nodesPerLeaf ? 1 / v.oversubscription : 1;
  const nicPerRank = (v.nodeNicBytesPerSecond / Math.max(ranksOnNodeNics, 1)) * taper;
  // Each ring channel leaves the node through one NIC; channels spread over
  // all NICs, so a ring drives the NICs of all its ranks on the node.
  return { intra, nicPerRank, ring: Math.min(intra, g.ranksPerNode * nicPerRank) };
}

const us = (x: number): number => x * 1e-6;

/** Ring steps for an op over n ranks (NCCL: 2(n-1) for all-reduce, n-1 for gather/scatter, n otherwise). */
function ringSteps(op: CollectiveRequest['op'], n: number): number {
  if (op === 'allreduce') return 2 * (n - 1);
  if (op === 'reducescatter' || op === 'allgather') return n - 1;
  return n;
}

/** Bytes each rank pushes through its bottleneck link in a ring. */
function ringBytes(op: CollectiveRequest['op'], bytes: number, n: number): number {
  switch (op) {
    case 'allreduce':
      return (2 * (n - 1) * bytes) / n;
    case 'reducescatter':
    case 'allgather':
    case 'alltoall':
      return ((n - 1) * bytes) / n;
    case 'broadcast':
    case 'sendrecv':
      return bytes;
  }
}

interface Candidate {
  algorithm: Algo;
  protocol: Protocol;
  seconds: number;
}

function ringCandidate(v: FabricView, req: CollectiveRequest, p: Protocol): Candidate {
  const g = req.group;
  const n = g.ranks;
  const bw = groupBandwidth(v, g);
  const steps = ringSteps(req.op, n);
  const interSteps = g.nodes > 1 ? (req.op === 'allreduce' ? 2 : 1) * (g.nodes - 1) : 0;
  const intraLat = us(NVLINK_HOP_LATENCY_US.ring[p]);
  const interLat = us(NET_HOP_LATENCY_US.ring[p]) + v.netPathLatencySeconds;
  let latency = us(BASE_LATENCY_US.ring[p]) + (steps - interSteps) * intraLat + interSteps * interLat;
  let seconds: number;
  if (req.op === 'alltoall') {
    // Every rank exchanges with every other at once: the intra-node share rides
    // NVLink, the rest its own NIC share (all-to-all cannot stripe over NICs).
    const intraBytes = (req.bytes * (g.ranksPerNode - 1)) / n;
    const interBytes = (req.bytes * (n - g.ranksPerNode)) / n;
    const f = PROTOCOL_BANDWIDTH_FACTOR[p];
    latency = us(BASE_LATENCY_US.ring[p]) + (g.nodes > 1 ? interLat : intraLat);
    seconds = latency + Math.max(intraBytes / (bw.intra * f), interBytes / (bw.nicPerRank * f));
    return { algorithm: 'ring', protocol: p, seconds };
  }
  if (req.op === 'sendrecv' || req.op === 'broadcast') {
    latency = us(BASE_LATENCY_US.ring[p]) + (g.nodes > 1 ? interLat : intraLat) * (req.op === 'broadcast' ? Math.max(1, n - 1) : 1);
  }
  const bwBus = g.nodes > 1 && req.op === 'sendrecv' ? Math.min(bw.intra, bw.nicPerRank) : bw.ring;
  seconds = latency + ringBytes(req.op, req.bytes, n) / (bwBus * PROTOCOL_BANDWIDTH_FACTOR[p]);
  return { algorithm: 'ring', protocol: p, seconds };
}

function treeCandidate(v: FabricView, req: CollectiveRequest, p: Protocol): Candidate | undefined {
  const g = req.group;
  if (req.op !== 'allreduce' || g.nodes < 2) return undefined;
  const bw = groupBandwidth(v, g);
  const intraLat = us(NVLINK_HOP_LATENCY_US.tree[p]);
  const interLat = us(NET_HOP_LATENCY_US.tree[p]) + v.netPathLatencySeconds;
  const latency = us(BASE_LATENCY_US.tree[p]) + 2 * ((g.ranksPerNode - 1) * intraLat + Math.log2(g.nodes) * interLat);
  // NCCL: tree bus bandwidth is 0.92 of the ring's; algorithm bandwidth is half of it.
  const busBw = bw.ring * TREE_BANDWIDTH_FACTOR * PROTOCOL_BANDWIDTH_FACTOR[p];
  return { algorithm: 'tree', protocol: p, seconds: latency + (2 * req.bytes) / busBw };
}

function nvlsCandidate(v: FabricView, req: CollectiveRequest): Candidate | undefined {
  const g = req.group;
  if (req.op !== 'allreduce' || v.nvlsAlgBytesPerSecond <= 0 || g.ranks < 2) return undefined;
  if (g.nodes > 1) {
    // NVLS inside each node, a ring of node leaders between nodes (NCCL's NVLS-tree family).
    const bw = groupBandwidth(v, g);
    const inter = ringCandidate(v, { ...req, group: { ...g, ranks: g.nodes, ranksPerNode: 1 } }, 'Simple');
    const interBw = bw.nicPerRank * g.ranksPerNode;
    const interSeconds = inter.seconds - ringBytes('allreduce', req.bytes, g.nodes) / bw.ring + ringBytes('allreduce', req.bytes, g.nodes) / interBw;
    const seconds = us(NVLINK_HOP_LATENCY_US.nvls.Simple) + req.bytes / v.nvlsAlgBytesPerSecond + interSeconds;
    return { algorithm: 'nvls', protocol: 'Simple', seconds };
  }
  const seconds = us(NVLINK_HOP_LATENCY_US.nvls.Simple) + req.bytes / v.nvlsAlgBytesPerSecond;
  return { algorithm: 'nvls', protocol: 'Simple', seconds };
}

/**
 * Hierarchical all-reduce: reduce-scatter inside the node, all-reduce of each
 * shard across nodes on its own rail, all-gather inside the node.
 */
function hierCandidate(v: FabricView, req: CollectiveRequest, p: Protocol, sharp: boolean): Candidate | undefined {
  const g = req.group;
  if (req.op !== 'allreduce' || g.nodes < 2 || g.ranksPerNode < 1) return undefined;
  if (sharp && !v.sharp) return undefined;
  const local = { ranks: g.ranksPerNode, ranksPerNode: g.ranksPerNode, nodes: 1, concurrentGroupsPerNode: g.concurrentGroupsPerNode };
  const rail = { ranks: g.nodes, ranksPerNode: 1, nodes: g.nodes, concurrentGroupsPerNode: g.ranksPerNode * g.concurrentGroupsPerNode };
  const shard = req.bytes / g.ranksPerNode;
  const intra =
    g.ranksPerNode > 1
      ? ringCandidate(v, { op: 'reducescatter', bytes: req.bytes, group: local }, p).seconds +
        ringCandidate(v, { op: 'allgather', bytes: req.bytes, group: local }, p).seconds
      : 0;
  let inter: number;
  if (sharp) {
    // In-network reduction: each rank sends its shard up once and receives the sum once.
    const bw = groupBandwidth(v, rail).nicPerRank * PROTOCOL_BANDWIDTH_FACTOR[p];
    inter = us(BASE_LATENCY_US.tree[p]) + 2 * (us(NET_HOP_LATENCY_US.tree[p]) + v.netPathLatencySeconds) + shard / bw;
  } else {
    inter = ringCandidate(v, { op: 'allreduce', bytes: shard, group: rail }, p).seconds;
  }
  return { algorithm: sharp ? 'sharp' : 'hier', protocol: p, seconds: intra + inter };
}

function candidates(v: FabricView, req: CollectiveRequest, algo: CollectiveAlgorithm): Candidate[] {
  const out: Candidate[] = [];
  const want = (a: Algo): boolean => algo === 'auto' || algo === a;
  for (const p of PROTOCOLS) {
    if (want('ring')) out.push(ringCandidate(v, req, p));
    if (want('tree')) {
      const c = treeCandidate(v, req, p);
      if (c) out.push(c);
    }
    if (want('hier') && algo === 'hier') {
      const c = hierCandidate(v, req, p, false);
      if (c) out.push(c);
    }
    if (want('sharp')) {
      const c = hierCandidate(v, req, p, true);
      if (c) out.push(c);
    }
  }
  if (want('nvls')) {
    const c = nvlsCandidate(v, req);
    if (c) out.push(c);
  }
  return out;
}

/** Creates the analytical network model for a system. */
export function analyticalNetwork(system: SystemSpec): NetworkModel {
  const view = fabricView(system);
  // The planner asks the same questions many times: remember the answers.
  const memo = new Map<string, CollectiveEstimate>();
  return {
    name: 'analytical',
    collective(req: CollectiveRequest): CollectiveEstimate {
      if (req.group.ranks <= 1 || req.bytes <= 0) return { seconds: 0, algorithm: 'ring', protocol: 'Simple' };
      const algo = req.algorithm ?? 'auto';
      const g = req.group;
      const key = `${req.op}|${req.bytes}|${algo}|${g.ranks}|${g.ranksPerNode}|${g.nodes}|${g.concurrentGroupsPerNode}`;
      const hit = memo.get(key);
      if (hit) return hit;
      if (memo.size > 50_000) memo.clear();
      const all = candidates(view, req, algo);
      if (all.length === 0) {
        throw invalid('algo', `${algo} cannot run ${req.op} on ${req.group.ranks} GPUs over ${req.group.nodes} node(s) of this system`);
      }
      let best = all[0];
      for (const c of all) if (c.seconds < best.seconds) best = c;
      const answer = { seconds: best.seconds, algorithm: best.algorithm, protocol: best.protocol };
      memo.set(key, answer);
      return answer;
    },
  };
}
