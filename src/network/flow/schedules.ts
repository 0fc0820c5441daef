/**
 * Collective algorithms as schedules of transfers over a topology: the flows
 * of each phase, for every communicator of the kind that runs at once (all DP
 * groups reduce together). Weights are bytes per byte of the message.
 *
 * - ring: channels, one per member of an NVLink domain; channel c enters each
 *   domain at member c and leaves on that member's rail (NCCL's rings with PXN).
 * - tree: two binary trees over the domains (NCCL's double binary tree), a chain inside each.
 * - nvls: every GPU sends the buffer to the NVSwitch and gets the sum back;
 *   across domains each rail carries its shard (NVLS-tree family).
 * - hier: reduce-scatter in the domain, all-reduce per rail across domains, all-gather in the domain.
 * - sharp: as hier, with the cross-domain step reduced in the switches.
 * - pairwise all-to-all; ring all-gather, reduce-scatter and broadcast; send/recv.
 */
import type { CollectiveOp, GroupPlacement } from '../network-model.js';
import type { Algorithm } from '../analytical.js';
import type { Topology } from '../../topology/topology.js';
import { route } from '../../topology/routing.js';
import { FlowSet } from './flow-set.js';

/** Every communicator of a placement in the job, as lists of global GPU ranks. */
export function groupInstances(g: GroupPlacement, jobGpus: number): number[][] {
  const size = g.ranks;
  const stride = g.stride ?? 1;
  const block = size * stride;
  const out: number[][] = [];
  for (let b = 0; b + block <= jobGpus; b += block) {
    for (let o = 0; o < stride; o++) out.push(Array.from({ length: size }, (_, i) => b + o + i * stride));
  }
  if (out.length === 0) out.push(Array.from({ length: size }, (_, i) => i * stride));
  return out;
}

/** A group's members by NVLink domain, in group order. */
function byDomain(members: number[], domainGpus: number): number[][] {
  const out: number[][] = [];
  let last = -1;
  for (const r of members) {
    const d = Math.floor(r / domainGpus);
    if (d !== last) out.push([]);
    out[out.length - 1].push(r);
    last = d;
  }
  return out;
}

export interface ScheduleContext {
  topo: Topology;
  domainGpus: number;
}

/** A schedule being built: its flow ids (for ECMP) count from zero, so the same collective always routes the same way. */
interface Building extends ScheduleContext {
  nextFlowId: number;
}

function addFlow(ctx: Building, set: FlowSet, a: number, b: number, weight: number, rail = -1): void {
  route(ctx.topo, a, b, ctx.domainGpus, set.links, rail, ctx.nextFlowId++);
  set.close(weight);
}

/** Ring flows: each member sends `weight` to its successor on every channel. */
function ringFlows(ctx: Building, set: FlowSet, members: number[], weight: number, chain = false): void {
  const domains = byDomain(members, ctx.domainGpus);
  if (domains.length === 1) {
    const n = members.length;
    for (let i = 0; i < (chain ? n - 1 : n); i++) addFlow(ctx, set, members[i], members[(i + 1) % n], weight);
    return;
  }
  const m = Math.min(...domains.map((d) => d.length));
  const channels = Math.max(1, m);
  for (let c = 0; c < channels; c++) {
    // Channel c: enter each domain at member c, walk the domain, leave from the member before it.
    const order: number[] = [];
    for (const d of domains) for (let i = 0; i < d.length; i++) order.push(d[(c + i) % d.length]);
    const n = order.length;
    for (let i = 0; i < (chain ? n - 1 : n); i++) {
      const a = order[i];
      const b = order[(i + 1) % n];
      addFlow(ctx, set, a, b, weight / channels, ctx.topo.railOf[b]);
    }
  }
}

/**
 * NCCL's double binary tree over the domains, on every rail (one channel per
 * member of a domain): each tree carries half the data, reduced up and
 * broadcast down at once; inside each domain a chain to and from the leader.
 */
function treeFlows(ctx: Building, set: FlowSet, members: number[]): void {
  const domains = byDomain(members, ctx.domainGpus);
  const D = domains.length;
  const channels = Math.min(...domains.map((d) => d.length));
  const w = 0.5 / channels;
  for (let c = 0; c < channels; c++) {
    for (let t = 0; t < 2; t++) {
      const leader = (d: number): number => domains[d][c];
      // The second tree mirrors the first, so leaves of one are inner nodes of the other.
      const pos = (i: number): number => (t === 0 ? i : D - 1 - i);
      for (let i = 1; i < D; i++) {
        const child = leader(pos(i));
        const parent = leader(pos((i - 1) >> 1));
        addFlow(ctx, set, child, parent, w);
        addFlow(ctx, set, parent, child, w);
      }
      for (const d of domains) {
        for (let i = 0; i + 1 < d.length; i++) {
          const a = d[(c + i) % d.length];
          const b = d[(c + i + 1) % d.length];
          addFlow(ctx, set, a, b, w);
          addFlow(ctx, set, b, a, w);
        }
      }
    }
  }
}

/** NVLS inside each domain: up through the switch's reduction port, the sum back down. */
function nvlsFlows(ctx: Building, set: FlowSet, members: number[]): void {
  const t = ctx.topo;
  for (const r of members) {
    set.links.push(t.gpuUp[r], t.nvlsPort[r]);
    set.close(1);
    set.links.push(t.gpuDown[r]);
    set.close(1);
  }
}

/** Per rail, the members of each domain holding the same shard exchange it across domains. */
function railRings(ctx: Building, set: FlowSet, members: number[], weight: number): void {
  const domains = byDomain(members, ctx.domainGpus);
  const m = Math.min(...domains.map((d) => d.length));
  for (let k = 0; k < m; k++) {
    const rail = domains.map((d) => d[k]);
    const D = rail.length;
    for (let i = 0; i < D; i++) addFlow(ctx, set, rail[i], rail[(i + 1) % D], weight);
  }
}

/**
 * In-network reduction across domains (SHARP): per rail, a reduction tree of
 * switches rooted at a spine (or a core, across pods). Every link of the tree
 * carries the shard once up and once down, however many members hang below it.
 */
function sharpFlows(ctx: Building, set: FlowSet, members: number[], weight: number): void {
  const t = ctx.topo;
  const rails = t.geometry.rails;
  const up1 = t.geometry.leafUp;
  const up2 = t.geometry.spineUp;
  const domains = byDomain(members, ctx.domainGpus);
  const per = Math.min(...domains.map((d) => d.length));
  const one = (link: number): void => {
    set.links.push(link);
    set.close(weight);
  };
  for (let k = 0; k < per; k++) {
    const leaves = new Set<number>();
    const pods = new Set<number>();
    for (const d of domains) {
      const r = d[k];
      const nic = Math.floor(r / t.gpusPerNode) * rails + t.railOf[r];
      one(t.pcieUp[r]);
      one(t.nicUp[nic]);
      one(t.nicDown[nic]);
      one(t.pcieDown[r]);
      leaves.add(t.leafOfNic[nic]);
    }
    if (leaves.size < 2 || up1 === 0) continue;
    const j = k % up1;
    const adaptive = t.routing === 'adaptive';
    for (const l of leaves) {
      one(adaptive ? t.leafTrunkUp[l] : t.leafUpLinks[l * up1 + j]);
      one(adaptive ? t.leafTrunkDown[l] : t.leafDownLinks[l * up1 + j]);
      pods.add(t.podOfLeaf[l]);
    }
    if (pods.size > 1 && up2 > 0) {
      for (const p of pods) {
        one(adaptive ? t.podTrunkUp[p] : t.spineUpLinks[(p * up1 + j) * up2]);
        one(adaptive ? t.podTrunkDown[p] : t.spineDownLinks[(p * up1 + j) * up2]);
      }
    }
  }
}

/**
 * Pairwise all-to-all: every member sends 1/n of its buffer to every other.
 * Between domains the traffic to a member rides that member's rail (NCCL's
 * PXN): the sending domain's GPU on that rail gathers it over NVLink and sends
 * one flow per (domain pair, rail), carrying what the whole domain sends.
 */
function alltoallFlows(ctx: Building, set: FlowSet, members: number[]): void {
  const n = members.length;
  const domains = byDomain(members, ctx.domainGpus);
  const D = domains.length;
  for (const d of domains) for (const a of d) for (const b of d) if (a !== b) addFlow(ctx, set, a, b, 1 / n);
  if (D < 2) return;
  for (const d of domains) {
    // NVLink legs: each member hands the rail GPU k what goes to rail k of every other domain.
    for (let k = 0; k < d.length; k++) for (const a of d) if (a !== d[k]) addFlow(ctx, set, a, d[k], (D - 1) / n);
    for (const e of domains) {
      if (e === d) continue;
      for (let k = 0; k < Math.min(d.length, e.length); k++) addFlow(ctx, set, d[k], e[k], d.length / n);
    }
  }
}

/** Most flows one schedule may build; beyond it the caller falls back to the analytical model. */
export const MAX_FLOWS = 2_000_000;

/**
 * The phases of a collective for every communicator of the placement, run
 * one after another; the flows of one phase run at once. Returns undefined
 * when the schedule would exceed MAX_FLOWS.
 */
export function collectivePhases(context: ScheduleContext, op: CollectiveOp, algorithm: Algorithm, g: GroupPlacement, jobGpus: number): FlowSet[] | undefined {
  const ctx: Building = { ...context, nextFlowId: 0 };
  const groups = groupInstances(g, jobGpus);
  const n = g.ranks;
  const perDomain = Math.min(n, Math.max(1, Math.floor(ctx.domainGpus / (g.stride ?? 1))));
  const domains = Math.ceil(n / perDomain);
  const estimate = groups.length * (op === 'alltoall' ? domains * domains * perDomain + 2 * n * perDomain : 2 * n * Math.max(1, Math.min(n, 8)));
  if (estimate > MAX_FLOWS) return undefined;
  const phase = (): FlowSet => new FlowSet();
  switch (op) {
    case 'sendrecv': {
      const s = phase();
      for (const m of groups) for (let i = 0; i + 1 < m.length; i++) addFlow(ctx, s, m[i], m[i + 1], 1);
      return [s];
    }
    case 'broadcast': {
      const s = phase();
      for (const m of groups) ringFlows(ctx, s, m, 1, true);
      return [s];
    }
    case 'alltoall': {
      const s = phase();
      for (const m of groups) alltoallFlows(ctx, s, m);
      return [s];
    }
    case 'allgather':
    case 'reducescatter': {
      const s = phase();
      for (const m of groups) ringFlows(ctx, s, m, (n - 1) / n);
      return [s];
    }
    case 'allreduce':
      break;
  }
  // All-reduce.
  if (algorithm === 'ring') {
    const s = phase();
    for (const m of groups) ringFlows(ctx, s, m, (2 * (n - 1)) / n);
    return [s];
  }
  if (algorithm === 'tree') {
    const s = phase();
    for (const m of groups) treeFlows(ctx, s, m);
    return [s];
  }
  if (algorithm === 'nvls') {
    const s = phase();
    for (const m of groups) {
      nvlsFlows(ctx, s, m);
      const domains = byDomain(m, ctx.domainGpus);
      if (domains.length > 1) {
        const per = Math.min(...domains.map((d) => d.length));
        // Beyond two domains NVLS-tree moves two shards per rail direction, as in the analytical
        // model (NCCL's tuner halves its inter-node bandwidth past two nodes; analytical.ts nvlsCandidate).
        const D = domains.length;
        railRings(ctx, s, m, (D > 2 ? 2 : (2 * (D - 1)) / D) / per);
      }
    }
    return [s];
  }
  // hier and sharp: reduce-scatter in the domain, the cross-domain step, all-gather in the domain.
  const rs = phase();
  const cross = phase();
  const ag = phase();
  for (const m of groups) {
    const domains = byDomain(m, ctx.domainGpus);
    const per = Math.min(...domains.map((d) => d.length));
    for (const d of domains) {
      if (d.length > 1) {
        ringFlows(ctx, rs, d, (d.length - 1) / d.length);
        ringFlows(ctx, ag, d, (d.length - 1) / d.length);
      }
    }
    if (algorithm === 'sharp') sharpFlows(ctx, cross, m, 1 / per);
    else railRings(ctx, cross, m, (2 * (domains.length - 1)) / domains.length / per);
  }
  return [rs, cross, ag].filter((s) => s.size > 0);
}
