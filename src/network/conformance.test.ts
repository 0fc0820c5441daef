/**
 * The shared conformance suite: every NetworkModel implementation must pass it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog } from '../../test/support/catalog.js';
import { resolveSystem } from '../config/catalog.js';
import type { SystemSpec } from '../config/system-schema.js';
import { analyticalNetwork } from './analytical.js';
import { flowNetwork } from './flow/flow-network.js';
import { busBandwidthFactor, COLLECTIVE_OPS, packedGroup, type CollectiveOp, type GroupPlacement, type NetworkModel } from './network-model.js';
import { groupPlacement } from '../parallel/layout.js';

const MODELS: Array<[string, (s: SystemSpec, gpus: number) => NetworkModel]> = [
  ['analytical', (s) => analyticalNetwork(s)],
  ['flow', (s, gpus) => flowNetwork(s, gpus)],
];

const sys = (name: string): SystemSpec => resolveSystem(catalog, name);
const GiB = 2 ** 30;

function busbw(net: NetworkModel, op: CollectiveOp, bytes: number, group: GroupPlacement, algorithm?: 'ring'): number {
  const t = net.collective({ op, bytes, group, algorithm }).seconds;
  return ((bytes / t) * busBandwidthFactor(op, group.ranks)) / 1e9;
}

describe.each(MODELS)('network model conformance: %s', (_name, make) => {
  it('costs nothing for one rank or zero bytes', () => {
    const net = make(sys('nd-h100-v5'), 8);
    expect(net.collective({ op: 'allreduce', bytes: 0, group: packedGroup(8, 8) }).seconds).toBe(0);
    expect(net.collective({ op: 'allreduce', bytes: GiB, group: packedGroup(1, 8) }).seconds).toBe(0);
  });

  it('is latency-bound for small messages and bandwidth-bound for large ones', () => {
    const net = make(sys('nd-h100-v5'), 64);
    const g = packedGroup(64, 8);
    expect(busbw(net, 'allreduce', 1024, g)).toBeLessThan(0.01 * busbw(net, 'allreduce', 8 * GiB, g));
  });

  it('never moves data faster than a GPU\'s links carry, in and out together (property)', () => {
    // Issue #13: an all-reduce of 1 GB over 10^9 GPUs once took 6.8 ms. A rank's share of any
    // collective goes in or out through its NVLink and NIC; both directions at once is the ceiling.
    fc.assert(
      fc.property(
        fc.constantFrom('nd-h100-v5', 'dgx-h100', 'ndm-a100-v4', 'gb200-nvl72', 'dgx-b200'),
        fc.constantFrom(...COLLECTIVE_OPS),
        fc.constantFrom(2, 4, 8, 16, 64, 256, 1024),
        fc.double({ min: 1e3, max: 1e10, noNaN: true }),
        (name, op, gpus, bytes) => {
          const s = sys(name);
          const n = s.node;
          const ceiling = 2 * Math.max(n.nvlinkGBpsPerGpu, (n.nicsPerNode * n.nicGbps) / 8 / n.gpusPerNode);
          const g = packedGroup(gpus, n.gpusPerNode, n.nvlinkDomainGpus);
          const t = make(s, gpus).collective({ op, bytes, group: g }).seconds;
          const algbw = bytes / t / 1e9;
          return t > 0 && Number.isFinite(t) && algbw <= ceiling && algbw * busBandwidthFactor(op, gpus) <= ceiling;
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
    );
  });

  it('never gets faster with more bytes (property)', () => {
    const net = make(sys('ndm-a100-v4'), 256);
    fc.assert(
      fc.property(fc.constantFrom(...COLLECTIVE_OPS), fc.constantFrom(2, 8, 16, 64, 256), fc.double({ min: 1e3, max: 1e10, noNaN: true }), fc.double({ min: 1, max: 4, noNaN: true }), (op, gpus, bytes, k) => {
        const g = packedGroup(gpus, 8);
        return net.collective({ op, bytes: bytes * k, group: g }).seconds >= net.collective({ op, bytes, group: g }).seconds * (1 - 1e-12);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
    );
  });

  it('is never slower with more NIC or NVLink bandwidth (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom<CollectiveOp>('allreduce', 'allgather', 'alltoall', 'sendrecv'), fc.constantFrom(8, 32, 128), fc.double({ min: 1, max: 3, noNaN: true }), (op, gpus, k) => {
        const base = sys('nd-h100-v5');
        const fast = structuredClone(base);
        fast.node.nicGbps *= k;
        fast.node.nvlinkGBpsPerGpu *= k;
        const g = packedGroup(gpus, 8);
        const t0 = make(base, gpus).collective({ op, bytes: GiB, group: g }).seconds;
        const t1 = make(fast, gpus).collective({ op, bytes: GiB, group: g }).seconds;
        return t1 <= t0 * (1 + 1e-9);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 24) },
    );
  });

  it('reproduces single-node all-reduce bus bandwidth at 8 GiB within 10%', () => {
    // Azure AI-benchmarking-guide (nccl-tests): ND H100 v5 478.87, ND H200 v5 479.98, NDm A100 v4 231.58 GB/s.
    for (const [name, measured] of [
      ['nd-h100-v5', 478.87],
      ['nd-h200-v5', 479.98],
      ['ndm-a100-v4', 231.58],
    ] as const) {
      const bw = busbw(make(sys(name), 8), 'allreduce', 8 * GiB, packedGroup(8, 8));
      expect(Math.abs(bw / measured - 1)).toBeLessThan(0.1);
    }
  });

  it('keeps ring all-reduce near the NIC bandwidth from 2 to 1,024 nodes (one NIC of 400 Gb/s per GPU)', () => {
    const s = sys('dgx-h100');
    const perNic = (400 / 8) * s.node.nicAchievedFraction;
    for (const nodes of [2, 8, 64, 256, 1024]) {
      const net = make(s, nodes * 8);
      // One rank per node on one rail (a DP group of a TP-8 job): busbw is that rail's NIC.
      const rail = groupPlacement(nodes, 8, 8, nodes * 8);
      expect(busbw(net, 'allreduce', 16 * GiB, rail, 'ring') / perNic).toBeGreaterThan(0.85);
      expect(busbw(net, 'allreduce', 16 * GiB, rail, 'ring') / perNic).toBeLessThanOrEqual(1.0001);
    }
    // All eight GPUs of each node in the ring: channels stripe over the eight NICs (NVIDIA: 192 GB/s on 8 x HDR).
    for (const nodes of [2, 8, 64]) {
      const bw = busbw(make(s, nodes * 8), 'allreduce', 16 * GiB, packedGroup(nodes * 8, 8), 'ring');
      expect(bw / (8 * perNic)).toBeGreaterThan(0.85);
    }
  });
});

describe('oversubscription and contention (flow model)', () => {
  const spine2to1 = (): SystemSpec => {
    const s = structuredClone(sys('dgx-h100'));
    s.fabric.oversubscription = 2;
    s.fabric.tiers = 2;
    return s;
  };
  it('gives a job spanning a 2:1 spine measurably less than a non-blocking one', () => {
    const full = structuredClone(sys('dgx-h100'));
    full.fabric.tiers = 2;
    const nodes = 256; // several leaves' worth of nodes per rail
    const g = packedGroup(nodes * 8, 8);
    const a = busbw(flowNetwork(full, nodes * 8), 'alltoall', 4 * GiB, g);
    const b = busbw(flowNetwork(spine2to1(), nodes * 8), 'alltoall', 4 * GiB, g);
    expect(b).toBeLessThan(0.8 * a);
    // The analytical model sees it too.
    expect(busbw(analyticalNetwork(spine2to1()), 'alltoall', 4 * GiB, g)).toBeLessThan(0.8 * busbw(analyticalNetwork(full), 'alltoall', 4 * GiB, g));
  });
  it('slows pipeline sends whose stages sit under different leaves of a 2:1 fabric', () => {
    const full = structuredClone(sys('dgx-h100'));
    full.fabric.tiers = 2;
    // 4 stages of 64 nodes each: every node of a stage sends to a node under another leaf.
    const pp: GroupPlacement = { ...groupPlacement(4, 512, 8, 2048), ranks: 2 };
    const t0 = flowNetwork(full, 2048).collective({ op: 'sendrecv', bytes: GiB, group: pp }).seconds;
    const t1 = flowNetwork(spine2to1(), 2048).collective({ op: 'sendrecv', bytes: GiB, group: pp }).seconds;
    expect(t1).toBeGreaterThan(1.5 * t0);
  });
  it('shows ECMP collisions on a RoCE Clos that adaptive routing avoids', () => {
    const ib = sys('dgx-h100');
    const roce = structuredClone(ib);
    Object.assign(roce.fabric, { kind: 'roce', routing: 'ecmp', railOptimized: false });
    const g = packedGroup(512, 8);
    const a = busbw(flowNetwork(ib, 512), 'allreduce', 4 * GiB, g, 'ring');
    const b = busbw(flowNetwork(roce, 512), 'allreduce', 4 * GiB, g, 'ring');
    expect(b).toBeLessThan(0.8 * a);
  });
  it('makes concurrent collectives that share links slow each other (TP and DP at once)', () => {
    // TP 4 inside each node and DP across nodes, as the step runs them while gradients reduce.
    const net = flowNetwork(sys('dgx-h100'), 64);
    const tp = { op: 'allreduce' as const, bytes: GiB, group: groupPlacement(4, 1, 8, 64) };
    const dp = { op: 'allreduce' as const, bytes: 4 * GiB, group: groupPlacement(16, 4, 8, 64), algorithm: 'ring' as const };
    const alone = [net.collective(tp).seconds, net.collective(dp).seconds];
    const together = net.concurrent([tp, dp]).map((r) => r.seconds);
    expect(together[0]).toBeGreaterThanOrEqual(alone[0] * (1 - 1e-9));
    expect(together[1]).toBeGreaterThanOrEqual(alone[1] * (1 - 1e-9));
    expect(Math.max(together[0] / alone[0], together[1] / alone[1])).toBeGreaterThan(1.05);
  });
  it('reports per-link utilisation of the last collective', () => {
    const net = flowNetwork(sys('dgx-h100'), 64);
    net.collective({ op: 'allreduce', bytes: GiB, group: packedGroup(64, 8), algorithm: 'ring' });
    const loads = net.lastLinkLoads();
    expect(loads.length).toBeGreaterThan(0);
    expect(loads.some((l) => l.kind === 'net')).toBe(true);
    expect(loads.every((l) => l.utilisation >= 0 && l.utilisation <= 1)).toBe(true);
  });
});
