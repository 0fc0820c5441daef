/**
 * Where a job's nodes sit in the fabric, and what that means for each of its communicators.
 *
 * A placement is either the job's nodes (fabric node indices, in the job's rank order: node k of
 * the job holds ranks k*G .. k*G+G-1) or just the counts of leaf groups and pods it spans, which
 * stand for the canonical spread: the job's nodes in contiguous blocks, as evenly as the counts
 * allow. A fabric node index fills a leaf group first (`nodesPerLeaf` nodes), then a pod
 * (`nodesPerPod`), as the fleet numbers its nodes (src/fleet/fleet-model.ts).
 *
 * For a communicator (every group of one kind in the job) the placement gives the highest tier any
 * of its groups crosses (0: all inside one leaf group, 1: across leaf groups of a pod, 2: across
 * pods) and, for all-to-all, the share of each rank's off-domain peers at each tier.
 */
import { ClusterTwinError } from '../errors.js';
import type { GroupPlacement } from './network-model.js';

/** Where a job landed: its nodes, or the leaf groups and pods it spans. Absent: the models' placement-free answer. */
export type JobPlacement = { nodes: ArrayLike<number> } | { leaves: number; pods: number };

/** Of the traffic a pattern sends from the job's nodes out of their NVLink domains: the largest share that leaves any one leaf group, and any one pod. */
export interface LeavingShares {
  leaf: number;
  pod: number;
}

/** The tiers a communicator's traffic climbs, for a placed job. */
export interface GroupCrossing {
  /** Highest tier any group of the kind crosses: 0 inside a leaf group, 1 across leaf groups, 2 across pods; -1 when no rank leaves its NVLink domain. */
  tier: number;
  /** A ring over the group's NVLink domains in rank order (all-reduce, all-gather, reduce-scatter, trees and rails as approximated by it). */
  ring: LeavingShares;
  /** A chain without the ring's closing hop (send/recv between pipeline stages, broadcast). */
  chain: LeavingShares;
  /** Every rank to every other (all-to-all). */
  alltoall: LeavingShares;
}

/** What the placement code needs of the fabric's shape. */
export interface PlacementGeometry {
  gpusPerNode: number;
  nvlinkDomainGpus: number;
  nodesPerLeaf: number;
  nodesPerPod: number;
}

/** The fabric node of each of the job's `jobNodes` nodes. Counts become the canonical even spread; bad counts are a one-line error. */
export function placedNodes(geo: PlacementGeometry, jobNodes: number, p: JobPlacement): Int32Array {
  const out = new Int32Array(jobNodes);
  if ('nodes' in p) {
    if (p.nodes.length < jobNodes) throw new ClusterTwinError('invalid_value', 'placement.nodes', `lists ${p.nodes.length} nodes; the job needs ${jobNodes}`);
    for (let i = 0; i < jobNodes; i++) {
      const n = p.nodes[i]!;
      if (!Number.isInteger(n) || n < 0) throw new ClusterTwinError('invalid_value', 'placement.nodes', `node indices are whole numbers from 0; got ${n}`);
      out[i] = n;
    }
    return out;
  }
  const leavesPerPod = Math.max(1, Math.round(geo.nodesPerPod / geo.nodesPerLeaf));
  const { leaves: L, pods: P } = p;
  const minLeaves = Math.ceil(jobNodes / geo.nodesPerLeaf);
  if (!Number.isInteger(L) || L < minLeaves || L > jobNodes) {
    throw new ClusterTwinError('out_of_range', 'placement.leaves', `${jobNodes} nodes span ${minLeaves} to ${jobNodes} leaf groups of ${geo.nodesPerLeaf}; got ${L}`);
  }
  const minPods = Math.max(Math.ceil(jobNodes / geo.nodesPerPod), Math.ceil(L / leavesPerPod));
  if (!Number.isInteger(P) || P < minPods || P > L) {
    throw new ClusterTwinError('out_of_range', 'placement.pods', `${L} leaf groups span ${minPods} to ${L} pods of ${leavesPerPod}; got ${P}`);
  }
  // Node i goes to leaf group floor(i L / N), group g to pod floor(g P / L): blocks as even as the counts allow.
  const firstGroupOfPod = (pod: number): number => Math.ceil((pod * L) / P);
  const firstNodeOfGroup = (g: number): number => Math.ceil((g * jobNodes) / L);
  for (let i = 0; i < jobNodes; i++) {
    const g = Math.floor((i * L) / jobNodes);
    const pod = Math.floor((g * P) / L);
    out[i] = pod * geo.nodesPerPod + (g - firstGroupOfPod(pod)) * geo.nodesPerLeaf + (i - firstNodeOfGroup(g));
  }
  return out;
}

/** Every group of a kind in the job, as lists of ranks (the job's rank order; as the flow model enumerates them). */
function forEachGroup(g: GroupPlacement, jobGpus: number, visit: (members: number[]) => void): void {
  const size = g.ranks;
  const stride = g.stride ?? 1;
  const block = size * stride;
  let any = false;
  for (let b = 0; b + block <= jobGpus; b += block) {
    for (let o = 0; o < stride; o++) {
      visit(Array.from({ length: size }, (_, i) => b + o + i * stride));
      any = true;
    }
  }
  if (!any) visit(Array.from({ length: size }, (_, i) => i * stride));
}

/** Per leaf group (or pod): traffic sent off-domain, and the part of it that leaves. */
class Tally {
  private readonly sent = new Map<number, number>();
  private readonly left = new Map<number, number>();
  add(at: number, sent: number, left: number): void {
    this.sent.set(at, (this.sent.get(at) ?? 0) + sent);
    this.left.set(at, (this.left.get(at) ?? 0) + left);
  }
  /** The largest share that leaves any one. */
  worst(): number {
    let w = 0;
    for (const [k, s] of this.sent) if (s > 0) w = Math.max(w, this.left.get(k)! / s);
    return w;
  }
}

/** The tiers a kind of communicator crosses on the placed nodes (`nodes[k]`: fabric node of the job's node k). */
export function groupCrossing(geo: PlacementGeometry, nodes: Int32Array, g: GroupPlacement): GroupCrossing {
  const jobGpus = g.jobGpus ?? g.ranks * (g.stride ?? 1);
  const G = geo.gpusPerNode;
  const domainGpus = Math.max(geo.nvlinkDomainGpus, G);
  const nodeOf = (r: number): number => nodes[Math.min(nodes.length - 1, Math.floor(r / G))]!;
  const leafOf = (r: number): number => Math.floor(nodeOf(r) / geo.nodesPerLeaf);
  const podOf = (r: number): number => Math.floor(nodeOf(r) / geo.nodesPerPod);
  let tier = -1;
  const tallies = { ring: [new Tally(), new Tally()], chain: [new Tally(), new Tally()], alltoall: [new Tally(), new Tally()] };
  const perDomain = new Map<number, number>();
  const perLeaf = new Map<number, number>();
  const perPod = new Map<number, number>();
  const bump = (m: Map<number, number>, k: number): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  forEachGroup(g, jobGpus, (members) => {
    // The group's domains in rank order, each at the leaf and pod of its first member.
    const doms: number[] = [];
    let lastDomain = -1;
    for (const r of members) {
      const d = Math.floor(r / domainGpus);
      if (d !== lastDomain) doms.push(r);
      lastDomain = d;
    }
    if (doms.length < 2) return;
    const leaves = new Set(doms.map(leafOf));
    const pods = new Set(doms.map(podOf));
    tier = Math.max(tier, pods.size > 1 ? 2 : leaves.size > 1 ? 1 : 0);
    for (let i = 0; i < doms.length; i++) {
      const a = doms[i]!;
      const b = doms[(i + 1) % doms.length]!;
      const crossLeaf = leafOf(a) !== leafOf(b) ? 1 : 0;
      const crossPod = podOf(a) !== podOf(b) ? 1 : 0;
      tallies.ring[0]!.add(leafOf(a), 1, crossLeaf);
      tallies.ring[1]!.add(podOf(a), 1, crossPod);
      if (i + 1 < doms.length) {
        tallies.chain[0]!.add(leafOf(a), 1, crossLeaf);
        tallies.chain[1]!.add(podOf(a), 1, crossPod);
      }
    }
    perDomain.clear();
    perLeaf.clear();
    perPod.clear();
    for (const r of members) {
      bump(perDomain, Math.floor(r / domainGpus));
      bump(perLeaf, leafOf(r));
      bump(perPod, podOf(r));
    }
    const size = members.length;
    for (const r of members) {
      const off = size - perDomain.get(Math.floor(r / domainGpus))!;
      if (off <= 0) continue;
      // An NVLink domain sits inside one leaf group (a node, or a rack of nodes under one leaf).
      tallies.alltoall[0]!.add(leafOf(r), off, size - perLeaf.get(leafOf(r))!);
      tallies.alltoall[1]!.add(podOf(r), off, size - perPod.get(podOf(r))!);
    }
  });
  const shares = (t: Tally[]): LeavingShares => ({ leaf: t[0]!.worst(), pod: t[1]!.worst() });
  return { tier, ring: shares(tallies.ring), chain: shares(tallies.chain), alltoall: shares(tallies.alltoall) };
}

/**
 * How much slower traffic with these leaving shares runs than at its NICs' rate: the job's nodes
 * under a leaf group get their ports' share of its uplinks (1/o of a NIC each, the fair share on
 * a busy fabric where every port sends up), pooled among them; so does a pod at the spine tier.
 */
export function leavingSlowdown(x: LeavingShares, oversubscription: readonly [number, number]): number {
  return Math.max(1, oversubscription[0] * x.leaf, oversubscription[0] * oversubscription[1] * x.pod);
}
