/**
 * Where each parallel group's ranks sit, for Megatron-LM's rank order: TP
 * varies fastest, then CP, then DP (with EP carved out of it, or with expert TP set, EP after
 * ETP on the expert grid), then PP. So a TP
 * group of 8 fills a node, and DP and PP peers sit on other nodes.
 */
import type { GroupPlacement } from '../network/network-model.js';

export interface ParallelDims {
  gpus: number;
  tp: number;
  cp: number;
  ep: number;
  /** Expert tensor parallelism (Megatron-Core 0.10+ expert grid); null or absent: EP carved out of DP. */
  etp?: number | null;
  dp: number;
  pp: number;
}

export interface ParallelLayout {
  tp: GroupPlacement;
  cp: GroupPlacement;
  ep: GroupPlacement;
  /** The expert tensor-parallel group (size 1 without `etp`): consecutive ranks, as TP's. */
  etp: GroupPlacement;
  dp: GroupPlacement;
  /**
   * The ranks that hold the same weights, DP x CP, tp ranks apart (CP ranks split the sequence, not the
   * weights): gradients are reduced and ZeRO / FSDP shards over this group (dataParallelRanks).
   */
  dpCp: GroupPlacement;
  pp: GroupPlacement;
  /** Nodes the job occupies. */
  nodes: number;
}

/**
 * Ranks that reduce gradients together and over which ZeRO / FSDP shards: DP x CP. Context-parallel ranks
 * hold the same weights, so their gradients are summed with the data-parallel ones. Megatron-Core builds its
 * gradient buffers and distributed optimizer on get_data_parallel_group(with_context_parallel=True)
 * (core_r0.8.0 distributed/distributed_data_parallel.py, optimizer/__init__.py); torchtitan's FSDP shards
 * over dp_shard_cp, which "includes cp" (torchtitan/distributed/parallel_dims.py). docs/sources/context-parallel-replicas.md
 */
export const dataParallelRanks = (d: { dp: number; cp: number }): number => d.dp * d.cp;

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
    // Megatron-Core 0.10+ builds the expert grid apart from the dense one, ETP fastest then EP
    // (parallel_state.py, expert RankGenerator with cp=1): EP peers sit etp ranks apart. Without
    // etp, the older placement: EP carved out of DP, tp x cp ranks apart.
    ep: g(d.ep, d.etp ? d.etp : d.tp * d.cp),
    etp: g(d.etp ?? 1, 1),
    dp: g(d.dp, d.tp * d.cp),
    dpCp: g(dataParallelRanks(d), d.tp),
    pp: g(d.pp, d.tp * d.cp * d.dp),
    nodes: Math.ceil(d.gpus / gpusPerNode),
  };
}
