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

/** Placement of a group of `size` ranks whose consecutive members are `stride` ranks apart. */
export function groupPlacement(size: number, stride: number, gpusPerNode: number, jobGpus: number): GroupPlacement {
  const gpusOnNode = Math.min(gpusPerNode, jobGpus);
  const ranksPerNode = size <= 1 ? 1 : stride >= gpusPerNode ? 1 : Math.max(1, Math.min(size, Math.floor(gpusPerNode / stride)));
  return {
    ranks: size,
    ranksPerNode,
    nodes: Math.ceil(size / ranksPerNode),
    concurrentGroupsPerNode: Math.max(1, Math.floor(gpusOnNode / ranksPerNode)),
  };
}

export function parallelLayout(d: ParallelDims, gpusPerNode: number): ParallelLayout {
  return {
    tp: groupPlacement(d.tp, 1, gpusPerNode, d.gpus),
    cp: groupPlacement(d.cp, d.tp, gpusPerNode, d.gpus),
    ep: groupPlacement(d.ep, d.tp * d.cp, gpusPerNode, d.gpus),
    dp: groupPlacement(d.dp, d.tp * d.cp, gpusPerNode, d.gpus),
    pp: groupPlacement(d.pp, d.tp * d.cp * d.dp, gpusPerNode, d.gpus),
    nodes: Math.ceil(d.gpus / gpusPerNode),
  };
}
