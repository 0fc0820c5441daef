/**
 * Where each parallel group's ranks sit, for Megatron-LM's rank order: TP
 * varies fastest, then CP, then DP (with EP carved out of it), then PP. So a TP
 * group of 8 fills a node, and DP and PP peers sit on other nodes.
 */
import type { GroupPlacement } from '../network/network-model.js';

export interface ParallelDims {
  gpus: number;
  tp: number;
  cp: number;
  ep: number;
  dp: number;
  pp: number;
}

export interface ParallelLayout {
  tp: GroupPlacement;
  cp: GroupPlacement;
  ep: GroupPlacement;
  dp: GroupPlacement;
  pp: GroupPlacement;
  /** Nodes the job occupies. */
  nodes: number;
}

/** Members of a group of `size` with consecutive members `stride` ranks apart that fit in a block of `blockGpus`. */
function membersPerBlock(size: number, stride: number, blockGpus: number): number {
  if (size <= 1) return 1;
  return stride >= blockGpus ? 1 : Math.max(1, Math.min(size, Math.floor(blockGpus / stride)));
}

/** Placement of a group of `size` ranks whose consecutive members are `stride` ranks apart. */
export function groupPlacement(size: number, stride: number, gpusPerNode: number, jobGpus: number, domainGpus = gpusPerNode): GroupPlacement {
  const gpusOnNode = Math.min(gpusPerNode, jobGpus);
  const ranksPerNode = membersPerBlock(size, stride, gpusPerNode);
  const ranksPerDomain = membersPerBlock(size, stride, Math.max(domainGpus, gpusPerNode));
  return {
    ranks: size,
    ranksPerNode,
    nodes: Math.ceil(size / ranksPerNode),
    concurrentGroupsPerNode: Math.max(1, Math.floor(gpusOnNode / ranksPerNode)),
    domains: Math.ceil(size / ranksPerDomain),
    ranksPerDomain,
    stride,
    jobGpus,
  };
}

export function parallelLayout(d: ParallelDims, gpusPerNode: number, domainGpus = gpusPerNode): ParallelLayout {
  const g = (size: number, stride: number) => groupPlacement(size, stride, gpusPerNode, d.gpus, domainGpus);
  return {
    tp: g(d.tp, 1),
    cp: g(d.cp, d.tp),
    ep: g(d.ep, d.tp * d.cp),
    dp: g(d.dp, d.tp * d.cp),
    pp: g(d.pp, d.tp * d.cp * d.dp),
    nodes: Math.ceil(d.gpus / gpusPerNode),
  };
}
