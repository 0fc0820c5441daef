/**
 * Where a gang-scheduled job's nodes go, among the free ones:
 * - topology: fewest leaf groups, then fewest pods (best fit: the fullest
 *   leaf or pod that still holds the job, so large holes stay whole);
 * - random: any free nodes, seeded;
 * - packed: first fit in node order.
 * The free-node set keeps per-leaf and per-pod counts and a dense list, so each
 * choice costs about the job's nodes plus the leaves scanned, not the fleet.
 */
import type { Rng } from '../reliability/prng.js';
import type { FleetModel } from './fleet-model.js';

export const PLACEMENTS = ['topology', 'random', 'packed'] as const;
export type PlacementPolicy = (typeof PLACEMENTS)[number];

/** The free nodes of the fleet (not running a job, not in repair, not a held spare). */
export class FreeNodes {
  readonly isFree: Uint8Array;
  readonly perLeaf: Int32Array;
  readonly perPod: Int32Array;
  /** Dense list of free nodes and each node's index in it (-1 when not free). */
  private readonly list: Int32Array;
  private readonly at: Int32Array;
  count = 0;

  constructor(readonly fleet: FleetModel) {
    this.isFree = new Uint8Array(fleet.nodes);
    this.perLeaf = new Int32Array(fleet.leaves);
    this.perPod = new Int32Array(fleet.pods);
    this.list = new Int32Array(fleet.nodes);
    this.at = new Int32Array(fleet.nodes).fill(-1);
  }

  add(n: number): void {
    if (this.isFree[n]) return;
    this.isFree[n] = 1;
    this.perLeaf[this.fleet.leafOfNode[n]!]!++;
    this.perPod[this.fleet.podOfNode[n]!]!++;
    this.at[n] = this.count;
    this.list[this.count++] = n;
  }

  remove(n: number): void {
    if (!this.isFree[n]) return;
    this.isFree[n] = 0;
    this.perLeaf[this.fleet.leafOfNode[n]!]!--;
    this.perPod[this.fleet.podOfNode[n]!]!--;
    const i = this.at[n]!;
    const last = this.list[--this.count]!;
    this.list[i] = last;
    this.at[last] = i;
    this.at[n] = -1;
  }

  /** The i-th free node in the dense list (for random choice). */
  nth(i: number): number {
    return this.list[i]!;
  }
}

/** Leaves and pods a placement spans. */
export interface Span {
  leaves: number;
  pods: number;
}

/**
 * Chooses `need` free nodes into `out` (and removes them from `free`); false when fewer are free.
 */
export function place(policy: PlacementPolicy, free: FreeNodes, need: number, out: Int32Array, rng: Rng): boolean {
  if (need > free.count) return false;
  if (policy === 'random') {
    for (let i = 0; i < need; i++) {
      const n = free.nth(Math.floor(rng.next() * free.count));
      free.remove(n);
      out[i] = n;
    }
    return true;
  }
  if (policy === 'packed') {
    let k = 0;
    const f = free.fleet;
    for (let leaf = 0; leaf < f.leaves && k < need; leaf++) {
      if (free.perLeaf[leaf] === 0) continue;
      k = takeFromLeaf(free, leaf, need - k, out, k);
    }
    return true;
  }
  placeTopology(free, need, out);
  return true;
}

/** Takes up to `want` free nodes of a leaf, lowest first, into out[k..]; returns the new k. */
function takeFromLeaf(free: FreeNodes, leaf: number, want: number, out: Int32Array, k: number): number {
  const f = free.fleet;
  const end = Math.min(f.nodes, (leaf + 1) * f.nodesPerLeaf);
  for (let n = leaf * f.nodesPerLeaf; n < end && want > 0; n++) {
    if (!free.isFree[n]) continue;
    free.remove(n);
    out[k++] = n;
    want--;
  }
  return k;
}

function placeTopology(free: FreeNodes, need: number, out: Int32Array): void {
  const f = free.fleet;
  // One leaf: the fullest leaf that still holds the job.
  let best = -1;
  for (let leaf = 0; leaf < f.leaves; leaf++) {
    const c = free.perLeaf[leaf]!;
    if (c >= need && (best < 0 || c < free.perLeaf[best]!)) best = leaf;
  }
  if (best >= 0) {
    takeFromLeaf(free, best, need, out, 0);
    return;
  }
  // One pod: the pod whose leaves, taken fullest-free first, hold the job in the fewest leaves
  // (ties: the pod with the fewest free nodes, best fit).
  let bestPod = -1;
  let bestLeaves = Infinity;
  for (let pod = 0; pod < f.pods; pod++) {
    if (free.perPod[pod]! < need) continue;
    const l = leavesNeeded(free, pod, need);
    if (l < bestLeaves || (l === bestLeaves && free.perPod[pod]! < free.perPod[bestPod]!)) {
      bestLeaves = l;
      bestPod = pod;
    }
  }
  if (bestPod >= 0) {
    takeFromPod(free, bestPod, need, out, 0);
    return;
  }
  // Across pods: the pods with the most free nodes first.
  const pods = Array.from({ length: f.pods }, (_, p) => p).sort((a, b) => free.perPod[b]! - free.perPod[a]! || a - b);
  let k = 0;
  for (const pod of pods) {
    if (k >= need) break;
    if (free.perPod[pod] === 0) continue;
    k = takeFromPod(free, pod, Math.min(need - k, free.perPod[pod]!), out, k);
  }
}

/** Leaves of a pod, most free first. */
function podLeaves(free: FreeNodes, pod: number): number[] {
  const f = free.fleet;
  const first = pod * f.leavesPerPod;
  const last = Math.min(f.leaves, first + f.leavesPerPod);
  const ls: number[] = [];
  for (let l = first; l < last; l++) if (free.perLeaf[l]! > 0) ls.push(l);
  return ls.sort((a, b) => free.perLeaf[b]! - free.perLeaf[a]! || a - b);
}

function leavesNeeded(free: FreeNodes, pod: number, need: number): number {
  let got = 0;
  let l = 0;
  for (const leaf of podLeaves(free, pod)) {
    got += free.perLeaf[leaf]!;
    l++;
    if (got >= need) return l;
  }
  return Infinity;
}

function takeFromPod(free: FreeNodes, pod: number, want: number, out: Int32Array, k: number): number {
  for (const leaf of podLeaves(free, pod)) {
    if (want <= 0) break;
    const before = k;
    k = takeFromLeaf(free, leaf, want, out, k);
    want -= k - before;
  }
  return k;
}

/** Distinct leaves and pods of the nodes out[0..n). */
export function spanOf(fleet: FleetModel, nodes: Int32Array, n: number, seenLeaf: Int32Array, seenPod: Int32Array, stamp: number): Span {
  let leaves = 0;
  let pods = 0;
  for (let i = 0; i < n; i++) {
    const l = fleet.leafOfNode[nodes[i]!]!;
    const p = fleet.podOfNode[nodes[i]!]!;
    if (seenLeaf[l] !== stamp) {
      seenLeaf[l] = stamp;
      leaves++;
    }
    if (seenPod[p] !== stamp) {
      seenPod[p] = stamp;
      pods++;
    }
  }
  return { leaves, pods };
}
