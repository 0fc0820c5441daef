/**
 * The analytical network model: each collective costs NCCL's latency for its
 * algorithm and protocol, plus its bytes over the bottleneck bandwidth of the
 * levels it crosses (NVLink inside an NVLink domain, the NICs between
 * domains), plus the time to fill its pipeline. `auto` picks the fastest
 * (algorithm, protocol) pair, as NCCL's tuner does with its own cost model.
 *
 * Given where the job landed (a JobPlacement), each communicator's traffic
 * climbs only as far as its groups reach: its switch path counts the hops it
 * takes (one switch inside a leaf group, three through a spine, five through
 * a core), and the job's nodes under a leaf group share that group's uplinks
 * as their ports' part of them (1/o of a NIC each at the leaf tier, 1/o again
 * at the spine tier across pods: the fair share when every port under the
 * leaf sends up at once, as on a busy multi-tenant fabric); a pattern that
 * sends more than that out of the leaf group slows to it. Without
 * a placement the model answers as it always has (worst-case path latency;
 * the oversubscription only on all-to-all and send/recv of groups larger
 * than a leaf group).
 */
import type { SystemSpec } from '../config/system-schema.js';
import { invalid } from '../errors.js';
import { fabricView, type FabricView } from './fabric-view.js';
import { groupCrossing, leavingSlowdown, placedNodes, type GroupCrossing, type JobPlacement } from './job-placement.js';
import {
  BASE_LATENCY_US,
  NET_HOP_LATENCY_US,
  NVLINK_HOP_LATENCY_US,
  PROTOCOLS,
  PROTOCOL_BANDWIDTH_FACTOR,
  TREE_BANDWIDTH_FACTOR,
  pipelineFillSeconds,
  type Protocol,
} from './nccl-protocols.js';
import {
  domainsOf,
  type CollectiveAlgorithm,
  type CollectiveEstimate,
  type CollectiveRequest,
  type GroupPlacement,
  type NetworkModel,
} from './network-model.js';

export type Algorithm = Exclude<CollectiveAlgorithm, 'auto'>;

/** Bandwidths one rank of a group sees at each level, bytes/s. */
export interface GroupBandwidth {
  /** NVLink per rank. */
  intra: number;
  /** NIC share per rank (all concurrent groups on a node share its NICs); Infinity inside one domain. */
  nicPerRank: number;
  /** NIC share per rank for traffic that all leaves the leaf switch (tapered by oversubscription). */
  nicPerRankAcrossSpine: number;
  /** Ring bus bandwidth: NVLink, or the NICs the group's ranks in one domain drive together. */
  ring: number;
  /** Placed job only: the NIC share per rank of a chain (send/recv between neighbours). */
  nicPerRankChain?: number;
}

/** One-way switch path of a placed group's traffic: up to the tier it crosses and back down, plus the NIC. */
function placedPathLatency(v: FabricView, x: GroupCrossing): number {
  const tier = Math.min(Math.max(0, x.tier), v.tiers - 1);
  return (2 * tier + 1) * v.switchLatencySeconds + v.nicLatencySeconds;
}

/** The fabric latency of one hop between domains: worst case without a placement, the group's own path with one. */
const pathLatency = (v: FabricView, x?: GroupCrossing): number => (x ? placedPathLatency(v, x) : v.netPathLatencySeconds);

/** Nodes between a group's first and last member (how far it reaches across the fabric). */
function nodeSpan(v: FabricView, g: GroupPlacement): number {
  const stride = g.stride ?? 1;
  return Math.max(g.nodes, Math.floor(((g.ranks - 1) * stride) / v.gpusPerNode) + 1);
}

export function groupBandwidth(v: FabricView, g: GroupPlacement, x?: GroupCrossing): GroupBandwidth {
  const intra = v.intraBytesPerSecond;
  const { domains, ranksPerDomain } = domainsOf(g);
  if (domains <= 1) return { intra, nicPerRank: Infinity, nicPerRankAcrossSpine: Infinity, ring: intra };
  const ranksOnNodeNics = g.ranksPerNode * g.concurrentGroupsPerNode;
  const nicPerRank = v.nodeNicBytesPerSecond / Math.max(ranksOnNodeNics, 1);
  if (x) {
    // Placed: a ring (and the trees, NVLS and rail reductions, approximated by it) goes at the pace of
    // the leaf group or pod whose uplink share it overloads most; all-to-all and send/recv by their own patterns.
    const ring = nicPerRank / leavingSlowdown(x.ring, v.oversubscription);
    const spread = nicPerRank / leavingSlowdown(x.alltoall, v.oversubscription);
    const chain = nicPerRank / leavingSlowdown(x.chain, v.oversubscription);
    return { intra, nicPerRank: ring, nicPerRankAcrossSpine: spread, nicPerRankChain: chain, ring: Math.min(intra, ranksPerDomain * ring) };
  }
  // Traffic that leaves its leaf (and pod) crosses the oversubscribed tier(s).
  const span = nodeSpan(v, g);
  const taper = (span > v.nodesPerLeaf ? 1 / v.oversubscription[0] : 1) * (span > v.nodesPerPod ? 1 / v.oversubscription[1] : 1);
  // Each ring channel leaves the domain through one NIC; channels spread over
  // all NICs, so a ring drives the NICs of all its ranks in the domain
  // (NVIDIA: 192 GB/s all-reduce busbw on 8 x HDR, NVIDIA/nccl#812). A ring's
  // neighbours mostly share a leaf, so oversubscription barely touches it.
  return { intra, nicPerRank, nicPerRankAcrossSpine: nicPerRank * taper, ring: Math.min(intra, ranksPerDomain * nicPerRank) };
}

const us = (x: number): number => x * 1e-6;

/**
 * Software latency of one network step for an algorithm and protocol, microseconds: the fabric
 * kind's where it declares one (EFA, TCPX: one figure per protocol, as AWS's tuner models it),
 * else NCCL's hwLat[NET].
 */
function netHopUs(v: FabricView, algo: keyof typeof NET_HOP_LATENCY_US, p: Protocol): number {
  const kind = v.netStepLatencyMicroseconds;
  if (!kind) return NET_HOP_LATENCY_US[algo][p];
  // NVLS across nodes runs Simple only (nccl-protocols.ts), so it takes the kind's Simple figure.
  return algo === 'nvls' ? kind.Simple : kind[p];
}

/** Ring steps for an op over n ranks (NCCL: 2(n-1) for all-reduce, n-1 for gather/scatter, n otherwise). */
export function ringSteps(op: CollectiveRequest['op'], n: number): number {
  if (op === 'allreduce') return 2 * (n - 1);
  if (op === 'reducescatter' || op === 'allgather') return n - 1;
  return n;
}

/** Bytes each rank pushes through its bottleneck link in a ring. */
export function ringBytes(op: CollectiveRequest['op'], bytes: number, n: number): number {
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

export interface Candidate {
  algorithm: Algorithm;
  protocol: Protocol;
  /** Total: latency + transfer + pipeline fill. */
  seconds: number;
  /** Fixed per-call latency (NCCL's base and per-hop terms). */
  latencySeconds: number;
  /** Time to fill the pipeline (see pipelineFillSeconds). */
  fillSeconds: number;
}

const candidate = (algorithm: Algorithm, protocol: Protocol, latencySeconds: number, transferSeconds: number, fillSeconds = 0): Candidate => ({
  algorithm,
  protocol,
  seconds: latencySeconds + transferSeconds + fillSeconds,
  latencySeconds,
  fillSeconds,
});

/** Latency of `steps` ring steps of which `interSteps` cross domains. */
function ringLatency(v: FabricView, p: Protocol, steps: number, interSteps: number, x?: GroupCrossing): number {
  const intraLat = us(NVLINK_HOP_LATENCY_US.ring[p]);
  const interLat = us(netHopUs(v, 'ring', p)) + pathLatency(v, x);
  return us(BASE_LATENCY_US.ring[p]) + (steps - interSteps) * intraLat + interSteps * interLat;
}

function ringCandidate(v: FabricView, req: CollectiveRequest, p: Protocol, x?: GroupCrossing): Candidate {
  const g = req.group;
  const n = g.ranks;
  const { domains, ranksPerDomain } = domainsOf(g);
  const bw = groupBandwidth(v, g, x);
  const f = PROTOCOL_BANDWIDTH_FACTOR[p];
  if (req.op === 'alltoall') {
    // Every rank exchanges with every other at once: the share inside the
    // domain rides NVLink, the rest the rank's own NIC share (all-to-all cannot
    // stripe one peer's traffic over several NICs; sjeaugey, nccl-tests#267).
    const intraBytes = (req.bytes * (ranksPerDomain - 1)) / n;
    const interBytes = (req.bytes * (n - ranksPerDomain)) / n;
    const latency = ringLatency(v, p, 1, domains > 1 ? 1 : 0, x);
    const transfer = Math.max(intraBytes / (bw.intra * f), interBytes / (bw.nicPerRankAcrossSpine * f));
    return candidate('ring', p, latency, transfer);
  }
  if (req.op === 'sendrecv') {
    const latency = ringLatency(v, p, 1, domains > 1 ? 1 : 0, x);
    const link = domains > 1 ? Math.min(bw.intra, bw.nicPerRankChain ?? bw.nicPerRankAcrossSpine) : bw.intra;
    return candidate('ring', p, latency, req.bytes / (link * f), pipelineFillSeconds(req.bytes, 1, link * f));
  }
  const steps = ringSteps(req.op, n);
  const interSteps = domains > 1 ? (req.op === 'allreduce' ? 2 : 1) * (domains - 1) : 0;
  // A broadcast is a pipelined chain: its latency is one pass along the ring.
  const latency = ringLatency(v, p, req.op === 'broadcast' ? Math.max(1, n - 1) : steps, interSteps, x);
  const busBw = bw.ring * f;
  const bytes = ringBytes(req.op, req.bytes, n);
  return candidate('ring', p, latency, bytes / busBw, pipelineFillSeconds(req.bytes, steps, busBw));
}

function treeCandidate(v: FabricView, req: CollectiveRequest, p: Protocol, x?: GroupCrossing): Candidate | undefined {
  const g = req.group;
  const { domains, ranksPerDomain } = domainsOf(g);
  if (req.op !== 'allreduce' || domains < 2) return undefined;
  const bw = groupBandwidth(v, g, x);
  const intraLat = us(NVLINK_HOP_LATENCY_US.tree[p]);
  const interLat = us(netHopUs(v, 'tree', p)) + pathLatency(v, x);
  const hops = (ranksPerDomain - 1) + Math.log2(domains);
  const latency = us(BASE_LATENCY_US.tree[p]) + 2 * ((ranksPerDomain - 1) * intraLat + Math.log2(domains) * interLat);
  // NCCL: tree bus bandwidth is 0.92 of the ring's; its algorithm bandwidth is half of that.
  const busBw = bw.ring * TREE_BANDWIDTH_FACTOR * PROTOCOL_BANDWIDTH_FACTOR[p];
  const bytes = 2 * req.bytes;
  return candidate('tree', p, latency, bytes / busBw, pipelineFillSeconds(req.bytes, 2 * hops, busBw));
}

/** NVLS: the NVSwitch reduces; each GPU sends and receives the buffer once. */
function nvlsCandidate(v: FabricView, req: CollectiveRequest, x?: GroupCrossing): Candidate | undefined {
  const g = req.group;
  if (req.op !== 'allreduce' || v.nvlsAlgBytesPerSecond <= 0 || g.ranks < 2) return undefined;
  const { domains, ranksPerDomain } = domainsOf(g);
  if (ranksPerDomain < 2) return undefined;
  const lat = us(NVLINK_HOP_LATENCY_US.nvls.Simple);
  const intra = req.bytes / v.nvlsAlgBytesPerSecond;
  const fill = pipelineFillSeconds(req.bytes, 2, v.nvlsAlgBytesPerSecond);
  if (domains <= 1) return candidate('nvls', 'Simple', lat, intra, fill);
  // Across domains (NCCL's NVLS-tree family): each rank's rail carries its
  // 1/ranksPerDomain shard between domains, pipelined with the in-switch reduction.
  const bw = groupBandwidth(v, g, x);
  const shard = req.bytes / ranksPerDomain;
  // Between two domains each rail exchanges its shard once. Across more, the shards go up and down
  // a tree: NCCL's tuner gives NVLS-tree half its two-node inter-node bandwidth beyond two nodes
  // (tuning.cc: bw = min(bwIntra, nNodes <= 2 ? bwInter : bwInter / 2), MID; NEW doubles interBw
  // for nNodes <= 2 instead; docs/sources/fabric.md 1.4, P), i.e. two shards per NIC direction.
  const railBytes = domains > 2 ? 2 * shard : ringBytes('allreduce', shard, domains);
  const inter = railBytes / bw.nicPerRank;
  const interLat = 2 * Math.log2(domains) * (us(netHopUs(v, 'nvls', 'Simple')) + pathLatency(v, x));
  return candidate('nvls', 'Simple', lat + interLat, Math.max(intra, inter), fill);
}

/**
 * Hierarchical all-reduce: reduce-scatter inside the domain, all-reduce of each
 * shard across domains on its own rail (or in the switches, with SHARP), and
 * all-gather inside the domain.
 */
function hierCandidate(v: FabricView, req: CollectiveRequest, p: Protocol, sharp: boolean, x?: GroupCrossing): Candidate | undefined {
  const g = req.group;
  const { domains, ranksPerDomain } = domainsOf(g);
  if (req.op !== 'allreduce' || domains < 2) return undefined;
  if (sharp && !v.sharp) return undefined;
  const local: GroupPlacement = { ranks: ranksPerDomain, ranksPerNode: Math.min(ranksPerDomain, g.ranksPerNode), nodes: 1, concurrentGroupsPerNode: g.concurrentGroupsPerNode, domains: 1, ranksPerDomain };
  const rail: GroupPlacement = { ranks: domains, ranksPerNode: 1, nodes: domains, concurrentGroupsPerNode: g.ranksPerNode * g.concurrentGroupsPerNode, domains, ranksPerDomain: 1 };
  const shard = req.bytes / ranksPerDomain;
  const rings =
    ranksPerDomain > 1
      ? [ringCandidate(v, { op: 'reducescatter', bytes: req.bytes, group: local }, p), ringCandidate(v, { op: 'allgather', bytes: req.bytes, group: local }, p)]
      : [];
  const intra = rings.reduce((t, r) => t + r.seconds, 0);
  const intraLatency = rings.reduce((t, r) => t + r.latencySeconds, 0);
  if (sharp) {
    // In-network reduction: each rank sends its shard up the switch tree once and receives the sum once.
    // The rail groups cross what the whole group crosses.
    const bw = groupBandwidth(v, rail, x).nicPerRank * PROTOCOL_BANDWIDTH_FACTOR[p];
    const latency = us(BASE_LATENCY_US.tree[p]) + 2 * (us(netHopUs(v, 'tree', p)) + pathLatency(v, x));
    return candidate('sharp', p, intraLatency + latency, intra - intraLatency + shard / bw, pipelineFillSeconds(shard, 2, bw));
  }
  const inter = ringCandidate(v, { op: 'allreduce', bytes: shard, group: rail }, p, x);
  return candidate('hier', p, intraLatency + inter.latencySeconds, intra - intraLatency + inter.seconds - inter.latencySeconds - inter.fillSeconds, inter.fillSeconds);
}

/** Every (algorithm, protocol) that can run this request, with its time (`x`: what the group crosses, for a placed job). */
export function collectiveCandidates(v: FabricView, req: CollectiveRequest, algo: CollectiveAlgorithm = 'auto', x?: GroupCrossing): Candidate[] {
  const out: Candidate[] = [];
  const want = (a: Algorithm): boolean => algo === 'auto' || algo === a;
  for (const p of PROTOCOLS) {
    if (want('ring')) out.push(ringCandidate(v, req, p, x));
    if (want('tree')) {
      const c = treeCandidate(v, req, p, x);
      if (c) out.push(c);
    }
    // NCCL has no separate hierarchical algorithm to pick; it runs only when asked for.
    if (algo === 'hier') {
      const c = hierCandidate(v, req, p, false, x);
      if (c) out.push(c);
    }
    if (want('sharp')) {
      const c = hierCandidate(v, req, p, true, x);
      if (c) out.push(c);
    }
  }
  if (want('nvls')) {
    const c = nvlsCandidate(v, req, x);
    if (c) out.push(c);
  }
  return out;
}

/** The fastest candidate, or a one-line error when the algorithm cannot run this request. */
export function bestCandidate(v: FabricView, req: CollectiveRequest, x?: GroupCrossing): Candidate {
  const algo = req.algorithm ?? 'auto';
  const all = collectiveCandidates(v, req, algo, x);
  if (all.length === 0) {
    throw invalid('algo', `${algo} cannot run ${req.op} on ${req.group.ranks} GPUs over ${domainsOf(req.group).domains} NVLink domain(s) of this system`);
  }
  let best = all[0];
  for (const c of all) if (c.seconds < best.seconds) best = c;
  return best;
}

/**
 * What each kind of communicator crosses for a job placed as `placement`, remembered per kind.
 * Undefined without a placement (the placement-free answer).
 */
export function placementCrossings(view: FabricView, placement: JobPlacement | undefined): ((g: GroupPlacement) => GroupCrossing) | undefined {
  if (!placement) return undefined;
  const geo = { gpusPerNode: view.gpusPerNode, nvlinkDomainGpus: view.nvlinkDomainGpus, nodesPerLeaf: view.nodesPerLeaf, nodesPerPod: view.nodesPerPod };
  const byJob = new Map<number, Int32Array>();
  const memo = new Map<string, GroupCrossing>();
  return (g) => {
    const jobGpus = g.jobGpus ?? g.ranks * (g.stride ?? 1);
    const key = `${g.ranks}|${g.stride ?? 1}|${jobGpus}`;
    let x = memo.get(key);
    if (!x) {
      const jobNodes = Math.max(1, Math.ceil(jobGpus / view.gpusPerNode));
      let nodes = byJob.get(jobNodes);
      if (!nodes) byJob.set(jobNodes, (nodes = placedNodes(geo, jobNodes, placement)));
      x = groupCrossing(geo, nodes, g);
      memo.set(key, x);
    }
    return x;
  };
}

/** Creates the analytical network model for a system, for a job placed as `placement` when given. */
export function analyticalNetwork(system: SystemSpec, placement?: JobPlacement): NetworkModel {
  const view = fabricView(system);
  const crossingOf = placementCrossings(view, placement);
  // The planner asks the same questions many times: remember the answers.
  // By (operation, algorithm, group), then by message size; a group's key is made once per group object.
  let memo = new Map<string, Map<number, CollectiveEstimate>>();
  // Per group object, the size maps of its (operation, algorithm) pairs: no key strings on a hit.
  let perGroup = new WeakMap<GroupPlacement, Map<string, Map<number, CollectiveEstimate>>>();
  let entries = 0;
  return {
    name: placement ? 'analytical (placed)' : 'analytical',
    collective(req: CollectiveRequest): CollectiveEstimate {
      if (req.group.ranks <= 1 || req.bytes <= 0) return { seconds: 0, algorithm: 'ring', protocol: 'Simple' };
      const g = req.group;
      let ops = perGroup.get(g);
      if (!ops) perGroup.set(g, (ops = new Map()));
      const opKey = req.algorithm === undefined ? req.op : `${req.op}|${req.algorithm}`;
      let bySize = ops.get(opKey);
      if (!bySize) {
        // Every field the model reads: stride sets how far a group reaches across the fabric.
        const key = `${opKey}|${g.ranks}|${g.ranksPerNode}|${g.nodes}|${g.concurrentGroupsPerNode}|${g.domains}|${g.ranksPerDomain}|${g.stride}`;
        bySize = memo.get(key);
        if (!bySize) memo.set(key, (bySize = new Map()));
        ops.set(opKey, bySize);
      }
      const hit = bySize.get(req.bytes);
      if (hit) return hit;
      if (++entries > 200_000) {
        memo = new Map();
        perGroup = new WeakMap();
        entries = 0;
      }
      const best = bestCandidate(view, req, crossingOf?.(g));
      const answer: CollectiveEstimate = { seconds: best.seconds, algorithm: best.algorithm, protocol: best.protocol };
      bySize.set(req.bytes, answer);
      return answer;
    },
  };
}
