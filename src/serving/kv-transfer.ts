/**
 * How long a request's KV cache takes from a prefill worker to a decode worker, on the system's
 * network model. The bytes are the prompt's tokens times the KV bytes a token costs over the whole
 * model (kv-cache.ts); they move as point-to-point sends between GPU pairs, one pair a lane, as
 * many lanes as the smaller worker has GPUs (each prefill GPU sends the heads and layers it holds:
 * NIXL moves each rank's blocks GPU to GPU), each lane a send/recv of its share.
 *
 * Placement: the prefill workers take GPUs 0.. in order, packed onto nodes, then the decode
 * workers. Two workers inside one NVLink domain move the KV over NVLink; otherwise each lane
 * crosses the network on its GPU's share of the node's NICs.
 */
import type { GroupPlacement } from '../network/network-model.js';
import type { Deployment } from './deployment.js';
import { kvBytesPerToken } from './kv-cache.js';

/** Where the two pools' workers sit: GPUs of each worker and workers of each pool. */
export interface PoolsPlacement {
  prefill: Deployment;
  prefillWorkers: number;
  decode: Deployment;
  decodeWorkers: number;
}

/** The first GPU of worker w of each pool. */
const firstGpu = (x: PoolsPlacement, pool: 'prefill' | 'decode', w: number): number =>
  pool === 'prefill' ? w * x.prefill.gpus : x.prefillWorkers * x.prefill.gpus + w * x.decode.gpus;

/** The group one lane's send/recv runs on, between prefill worker p and decode worker q. */
export function transferLane(x: PoolsPlacement, p: number, q: number): GroupPlacement {
  const node = x.prefill.system.node;
  const domainGpus = Math.max(node.nvlinkDomainGpus ?? node.gpusPerNode, node.gpusPerNode);
  const a = firstGpu(x, 'prefill', p);
  const b = firstGpu(x, 'decode', q);
  const within = (size: number): boolean => {
    const block = Math.floor(a / size);
    return Math.floor((a + x.prefill.gpus - 1) / size) === block && Math.floor(b / size) === block && Math.floor((b + x.decode.gpus - 1) / size) === block;
  };
  const sameNode = within(node.gpusPerNode);
  if (within(domainGpus)) {
    return { ranks: 2, ranksPerNode: sameNode ? 2 : 1, nodes: sameNode ? 1 : 2, concurrentGroupsPerNode: 1, domains: 1, ranksPerDomain: 2 };
  }
  // Each lane's GPU drives its own share of its node's NICs (1/gpusPerNode: a DGX H100 has a NIC a
  // GPU), whatever the node's other GPUs are doing: a transfer of fewer lanes gets fewer NICs.
  return { ranks: 2, ranksPerNode: 1, nodes: 2, concurrentGroupsPerNode: node.gpusPerNode, domains: 2, ranksPerDomain: 1, stride: b - a };
}

/** Seconds the KV of `promptTokens` tokens takes from prefill worker p to decode worker q. */
export function kvTransferTimer(x: PoolsPlacement): (promptTokens: number, p: number, q: number) => number {
  const bytesPerToken = kvBytesPerToken(x.prefill);
  const lanes = Math.min(x.prefill.gpus, x.decode.gpus);
  const cache = new Map<string, number>();
  return (promptTokens, p, q) => {
    const key = `${promptTokens}|${p}|${q}`;
    let seconds = cache.get(key);
    if (seconds === undefined) {
      const bytes = (promptTokens * bytesPerToken) / lanes;
      seconds = bytes > 0 ? x.prefill.network.collective({ op: 'sendrecv', bytes, group: transferLane(x, p, q) }).seconds : 0;
      if (cache.size > 100_000) cache.clear();
      cache.set(key, seconds);
    }
    return seconds;
  };
}
