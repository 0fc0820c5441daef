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

/** Per leaf group (or pod), by dense index: traffic sent off-domain, and the part of it that leaves. */
class Tally {
  readonly sent: Float64Array;
  readonly left: Float64Array;
  constructor(size: number) {
    this.sent = new Float64Array(size);
    this.left = new Float64Array(size);
  }
  add(at: number, sent: number, left: number): void {
    this.sent[at] = this.sent[at]! + sent;
    this.left[at] = this.left[at]! + left;
  }
  /** The largest share that leaves any one. */
  worst(): number {
    let w = 0;
    for (let k = 0; k < this.sent.length; k++) if (this.sent[k]! > 0) w = Math.max(w, this.left[k]! / this.sent[k]!);
    return w;
  }
}

/** Dense indices 0.. of a list of ids, in order of first appearance, and how many there are. */
function dense(ids: Int32Array): { index: Int32Array; count: number } {
  const seen = new Map<number, number>();
  const index = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    let d = seen.get(ids[i]!);
    if (d === undefined) seen.set(ids[i]!, (d = seen.size));
    index[i] = d;
  }
  return { index, count: seen.size };
}

/** The tiers a kind of communicator crosses on the placed nodes (`nodes[k]`: fabric node of the job's node k). */
export function groupCrossing(geo: PlacementGeometry, nodes: Int32Array, g: GroupPlacement): GroupCrossing {
  const jobGpus = g.jobGpus ?? g.ranks * (g.stride ?? 1);
  const G = geo.gpusPerNode;
  const domainGpus = Math.max(geo.nvlinkDomainGpus, G);
  // Per job node, its leaf group and pod as dense indices (typed arrays: this runs per rank).
  const leaves = dense(Int32Array.from(nodes, (n) => Math.floor(n / geo.nodesPerLeaf)));
  const pods = dense(Int32Array.from(nodes, (n) => Math.floor(n / geo.nodesPerPod)));
  const last = nodes.length - 1;
  const leafOf = (r: number): number => leaves.index[Math.min(last, Math.floor(r / G))]!;
  const podOf = (r: number): number => pods.index[Math.min(last, Math.floor(r / G))]!;
  let tier = -1;
  const ring = [new Tally(leaves.count), new Tally(pods.count)] as const;
  const chain = [new Tally(leaves.count), new Tally(pods.count)] as const;
  const spread = [new Tally(leaves.count), new Tally(pods.count)] as const;
  const perLeaf = new Int32Array(leaves.count);
  const perPod = new Int32Array(pods.count);
  const perDomain = new Int32Array(Math.ceil(Math.max(jobGpus, g.ranks * (g.stride ?? 1)) / domainGpus) + 1);
  const doms: number[] = [];
  forEachGroup(g, jobGpus, (members) => {
    // The group's domains in rank order, each at the leaf and pod of its first member.
    doms.length = 0;
    let lastDomain = -1;
    for (const r of members) {
      const d = Math.floor(r / domainGpus);
      if (d !== lastDomain) doms.push(r);
      lastDomain = d;
    }
    if (doms.length < 2) return;
    let manyLeaves = false;
    let manyPods = false;
    for (const r of doms) {
      if (leafOf(r) !== leafOf(doms[0]!)) manyLeaves = true;
      if (podOf(r) !== podOf(doms[0]!)) manyPods = true;
    }
    tier = Math.max(tier, manyPods ? 2 : manyLeaves ? 1 : 0);
    for (let i = 0; i < doms.length; i++) {
      const a = doms[i]!;
      const b = doms[(i + 1) % doms.length]!;
      const la = leafOf(a);
      const pa = podOf(a);
      const crossLeaf = la !== leafOf(b) ? 1 : 0;
      const crossPod = pa !== podOf(b) ? 1 : 0;
      ring[0].add(la, 1, crossLeaf);
      ring[1].add(pa, 1, crossPod);
      if (i + 1 < doms.length) {
        chain[0].add(la, 1, crossLeaf);
        chain[1].add(pa, 1, crossPod);
      }
    }
    for (const r of members) {
      perDomain[Math.floor(r / domainGpus)]!++;
      perLeaf[leafOf(r)]!++;
      perPod[podOf(r)]!++;
    }
    const size = members.length;
    for (const r of members) {
      const off = size - perDomain[Math.floor(r / domainGpus)]!;
      if (off <= 0) continue;
      // An NVLink domain sits inside one leaf group (a node, or a rack of nodes under one leaf).
      spread[0].add(leafOf(r), off, size - perLeaf[leafOf(r)]!);
      spread[1].add(podOf(r), off, size - perPod[podOf(r)]!);
    }
    // Reset only what this group touched.
    for (const r of members) {
      perDomain[Math.floor(r / domainGpus)] = 0;
      perLeaf[leafOf(r)] = 0;
      perPod[podOf(r)] = 0;
    }
  });
  const shares = (t: readonly [Tally, Tally]): LeavingShares => ({ leaf: t[0].worst(), pod: t[1].worst() });
  return { tier, ring: shares(ring), chain: shares(chain), alltoall: shares(spread) };
}

/**
 * How much slower traffic with these leaving shares runs than at its NICs' rate: the job's nodes
 * under a leaf group get their ports' share of its uplinks (1/o of a NIC each, the fair share on
 * a busy fabric where every port sends up), pooled among them; so does a pod at the spine tier.
 */
export function leavingSlowdown(x: LeavingShares, oversubscription: readonly [number, number]): number {
  return Math.max(1, oversubscription[0] * x.leaf, oversubscription[0] * oversubscription[1] * x.pod);
}
