import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog } from '../../test/support/catalog.js';
import { resolveSystem } from '../config/catalog.js';
import { analyticalNetwork } from './analytical.js';
import { busBandwidthFactor, packedGroup, type CollectiveOp } from './network-model.js';

const a100 = resolveSystem(catalog, 'ndm-a100-v4');
const h100 = resolveSystem(catalog, 'nd-h100-v5');

function busbw(system: typeof a100, op: CollectiveOp, bytes: number, gpus: number, algorithm?: 'ring'): number {
  const g = packedGroup(gpus, system.node.gpusPerNode);
  const t = analyticalNetwork(system).collective({ op, bytes, group: g, algorithm }).seconds;
  return (bytes / t) * busBandwidthFactor(op, gpus) / 1e9;
}

describe('analytical network model', () => {
  it('is latency-bound for small messages and bandwidth-bound for large ones', () => {
    const small = busbw(a100, 'allreduce', 1024, 8);
    const large = busbw(a100, 'allreduce', 8 * 2 ** 30, 8);
    expect(small).toBeLessThan(1);
    expect(large).toBeGreaterThan(200);
  });
  it('approaches the node aggregate NIC bandwidth for a multi-node ring', () => {
    // NVIDIA measures 192 GB/s all-reduce busbw on DGX A100 (8 x HDR), nccl#812.
    const bw = busbw(a100, 'allreduce', 8 * 2 ** 30, 64, 'ring');
    expect(bw).toBeGreaterThan(180);
    expect(bw).toBeLessThan(200);
  });
  it('uses NVLS on Hopper for single-node all-reduce', () => {
    const r = analyticalNetwork(h100).collective({ op: 'allreduce', bytes: 2 ** 30, group: packedGroup(8, 8) });
    expect(r.algorithm).toBe('nvls');
  });
  it('never gets faster with more bytes, never slower with more bandwidth (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CollectiveOp>('allreduce', 'allgather', 'reducescatter', 'alltoall', 'broadcast', 'sendrecv'),
        fc.integer({ min: 2, max: 512 }),
        fc.double({ min: 1e3, max: 1e10, noNaN: true }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        (op, gpus, bytes, k) => {
          const g = packedGroup(gpus, 8);
          const net = analyticalNetwork(a100);
          const t = net.collective({ op, bytes, group: g }).seconds;
          const more = net.collective({ op, bytes: bytes * k, group: g }).seconds;
          const fast = structuredClone(a100);
          fast.node.nicGbps *= k;
          fast.node.nvlinkGBpsPerGpu *= k;
          const tf = analyticalNetwork(fast).collective({ op, bytes, group: g }).seconds;
          return more >= t * (1 - 1e-12) && tf <= t * (1 + 1e-12);
        },
      ),
    );
  });
});
