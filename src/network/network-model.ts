/**
 * The one interface between the step simulation and the fabric. A network
 * model answers: how long does this collective take on this group of GPUs?
 * Implementations: `analytical` (latency + bytes over the bottleneck, per
 * NCCL algorithm and protocol) and, later, a flow-level model over the links.
 */

export const COLLECTIVE_OPS = ['allreduce', 'reducescatter', 'allgather', 'alltoall', 'broadcast', 'sendrecv'] as const;
export type CollectiveOp = (typeof COLLECTIVE_OPS)[number];

export const COLLECTIVE_ALGORITHMS = ['auto', 'ring', 'tree', 'nvls', 'hier', 'sharp'] as const;
export type CollectiveAlgorithm = (typeof COLLECTIVE_ALGORITHMS)[number];

/** Where the ranks of one communicator sit. Ranks are spread evenly over nodes. */
export interface GroupPlacement {
  /** Ranks in the communicator. */
  ranks: number;
  /** Ranks of this communicator inside one node. */
  ranksPerNode: number;
  /** Nodes the communicator spans. */
  nodes: number;
  /**
   * Communicators of the same kind that run at the same time on one node (all
   * DP groups reduce at once): they share the node's NICs.
   */
  concurrentGroupsPerNode: number;
  /** NVLink domains the communicator spans (= nodes, unless a domain spans nodes as in NVL72). */
  domains?: number;
  /** Ranks of the communicator inside one NVLink domain (= ranksPerNode by default). */
  ranksPerDomain?: number;
  /** Rank distance between consecutive members in the job's rank order (for models that place every group). */
  stride?: number;
  /** GPUs in the job; every communicator of this kind in it runs at the same time. */
  jobGpus?: number;
}

/** NVLink domains a group spans and its ranks per domain, defaulting to nodes. */
export function domainsOf(g: GroupPlacement): { domains: number; ranksPerDomain: number } {
  return { domains: g.domains ?? g.nodes, ranksPerDomain: g.ranksPerDomain ?? g.ranksPerNode };
}

/** One collective call. `bytes` follows nccl-tests: the full buffer for all-reduce/all-gather/reduce-scatter/all-to-all, the message for send/recv. */
export interface CollectiveRequest {
  op: CollectiveOp;
  bytes: number;
  group: GroupPlacement;
  algorithm?: CollectiveAlgorithm;
}

export interface CollectiveEstimate {
  seconds: number;
  /** The algorithm used (resolved when `auto` was asked for). */
  algorithm: Exclude<CollectiveAlgorithm, 'auto'>;
  protocol: 'LL' | 'LL128' | 'Simple';
}

export interface NetworkModel {
  readonly name: string;
  collective(request: CollectiveRequest): CollectiveEstimate;
  /** Collectives that run at the same time and share links (models that can tell; others time each alone). */
  concurrent?(requests: readonly CollectiveRequest[]): CollectiveEstimate[];
}

/** nccl-tests' bus-bandwidth factor for an operation over n ranks (doc/PERFORMANCE.md). */
export function busBandwidthFactor(op: CollectiveOp, n: number): number {
  switch (op) {
    case 'allreduce':
      return (2 * (n - 1)) / n;
    case 'reducescatter':
    case 'allgather':
    case 'alltoall':
      return (n - 1) / n;
    case 'broadcast':
    case 'sendrecv':
      return 1;
  }
}

/** A group of `ranks` GPUs placed on as few nodes as possible (the `collective` command's layout). */
export function packedGroup(ranks: number, gpusPerNode: number, domainGpus = gpusPerNode): GroupPlacement {
  const ranksPerNode = Math.min(ranks, gpusPerNode);
  const ranksPerDomain = Math.min(ranks, Math.max(domainGpus, gpusPerNode));
  return {
    ranks,
    ranksPerNode,
    nodes: Math.ceil(ranks / ranksPerNode),
    concurrentGroupsPerNode: 1,
    domains: Math.ceil(ranks / ranksPerDomain),
    ranksPerDomain,
    stride: 1,
    jobGpus: ranks,
  };
}
