import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog } from '../../test/support/catalog.js';
import { resolveSystem } from '../config/catalog.js';
import type { SystemSpec } from '../config/system-schema.js';
import { groupPlacement } from '../parallel/layout.js';
import { analyticalNetwork } from './analytical.js';
import { fabricView } from './fabric-view.js';
import { flowNetwork } from './flow/flow-network.js';
import { groupCrossing, placedNodes, type JobPlacement } from './job-placement.js';
import { COLLECTIVE_OPS, type CollectiveRequest } from './network-model.js';

const h100 = resolveSystem(catalog, 'nd-h100-v5');
/** The same machine on a fabric tapered 2:1 at the leaf and at the spine (a what-if, for the mechanism). */
const tapered: SystemSpec = { ...h100, name: 'nd-h100-v5-2to1', fabric: { ...h100.fabric, oversubscription: [2, 2] } };
const geoOf = (s: SystemSpec) => {
  const v = fabricView(s);
  return { gpusPerNode: v.gpusPerNode, nvlinkDomainGpus: v.nvlinkDomainGpus, nodesPerLeaf: v.nodesPerLeaf, nodesPerPod: v.nodesPerPod };
};
const geo = geoOf(h100);

const spanOf = (nodes: Int32Array) => ({
  leaves: new Set([...nodes].map((n) => Math.floor(n / geo.nodesPerLeaf))).size,
  pods: new Set([...nodes].map((n) => Math.floor(n / geo.nodesPerPod))).size,
});

describe('job placement', () => {
  it('spreads a job over exactly the leaf groups and pods asked for, each node once (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.nat(), fc.nat(), (jobNodes, a, b) => {
        const minLeaves = Math.ceil(jobNodes / geo.nodesPerLeaf);
        const leaves = minLeaves + (a % (jobNodes - minLeaves + 1));
        const leavesPerPod = geo.nodesPerPod / geo.nodesPerLeaf;
        const minPods = Math.max(Math.ceil(jobNodes / geo.nodesPerPod), Math.ceil(leaves / leavesPerPod));
        const pods = minPods + (b % (leaves - minPods + 1));
        const nodes = placedNodes(geo, jobNodes, { leaves, pods });
        expect(new Set(nodes).size).toBe(jobNodes);
        expect(spanOf(nodes)).toEqual({ leaves, pods });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses counts no placement can have, naming the field', () => {
    expect(() => placedNodes(geo, 64, { leaves: 1, pods: 1 })).toThrow(/placement.leaves/);
    expect(() => placedNodes(geo, 64, { leaves: 4, pods: 5 })).toThrow(/placement.pods/);
    expect(() => placedNodes(geo, 4, { nodes: [0, 1] })).toThrow(/placement.nodes/);
  });

  it('tells which tier each kind of group crosses', () => {
    // 64 GPUs (8 nodes), TP 8: DP groups of 8, one rank per node.
    const dp = groupPlacement(8, 8, 8, 64);
    const tp = groupPlacement(8, 1, 8, 64);
    const inOneLeaf = placedNodes(geo, 8, { leaves: 1, pods: 1 });
    const twoPods = placedNodes(geo, 8, { leaves: 2, pods: 2 });
    expect(groupCrossing(geo, inOneLeaf, dp).tier).toBe(0);
    expect(groupCrossing(geo, twoPods, dp).tier).toBe(2);
    expect(groupCrossing(geo, twoPods, tp).tier).toBe(-1);
    // Two leaf groups of four nodes in two pods: a ring leaves each once in four hops; an
    // all-to-all sends four of its seven peers' traffic out of the pod.
    const x = groupCrossing(geo, twoPods, dp);
    expect(x.ring).toEqual({ leaf: 1 / 4, pod: 1 / 4 });
    expect(x.chain.pod).toBeCloseTo(1 / 4, 12);
    expect(x.alltoall.pod).toBeCloseTo(4 / 7, 12);
    expect(groupCrossing(geo, inOneLeaf, dp).alltoall).toEqual({ leaf: 0, pod: 0 });
  });
});

/** A random collective over a job of 2-64 nodes, and two placements, the second spanning at least as much. */
const collectiveAndTwoPlacements = fc
  .record({
    op: fc.constantFrom(...COLLECTIVE_OPS),
    log2Bytes: fc.integer({ min: 10, max: 33 }),
    jobNodes: fc.integer({ min: 2, max: 64 }),
    tpLog: fc.integer({ min: 0, max: 3 }),
    a: fc.nat(),
    b: fc.nat(),
    c: fc.nat(),
    d: fc.nat(),
  })
  .map(({ op, log2Bytes, jobNodes, tpLog, a, b, c, d }) => {
    const tp = 2 ** tpLog;
    const gpus = jobNodes * 8;
    const ranks = gpus / tp;
    const group = groupPlacement(ranks, tp, 8, gpus);
    const minLeaves = Math.ceil(jobNodes / geo.nodesPerLeaf);
    const l1 = minLeaves + (a % (jobNodes - minLeaves + 1));
    const l2 = l1 + (b % (jobNodes - l1 + 1));
    const lpp = geo.nodesPerPod / geo.nodesPerLeaf;
    const minPods = (l: number) => Math.max(Math.ceil(jobNodes / geo.nodesPerPod), Math.ceil(l / lpp));
    const p1 = minPods(l1) + (c % (l1 - minPods(l1) + 1));
    const p2lo = Math.max(p1, minPods(l2));
    const p2 = p2lo + (d % (l2 - p2lo + 1));
    const req: CollectiveRequest = { op, bytes: 2 ** log2Bytes, group };
    return { req, narrow: { leaves: l1, pods: p1 } as JobPlacement, wide: { leaves: l2, pods: p2 } as JobPlacement };
  });

describe('placed network models', () => {
  it('never time a collective faster on any nodes than on the most compact placement (property, analytical)', () => {
    for (const system of [h100, tapered]) {
      fc.assert(
        fc.property(collectiveAndTwoPlacements, fc.array(fc.nat({ max: 1343 }), { minLength: 64, maxLength: 64 }), ({ req }, picks) => {
          const jobNodes = Math.ceil(req.group.jobGpus! / 8);
          const nodes = [...new Set(picks)].slice(0, jobNodes);
          for (let n = 0; nodes.length < jobNodes; n++) if (!nodes.includes(n)) nodes.push(n);
          const g = geoOf(system);
          const compact: JobPlacement = { leaves: Math.ceil(jobNodes / g.nodesPerLeaf), pods: Math.ceil(jobNodes / g.nodesPerPod) };
          const t0 = analyticalNetwork(system, compact).collective(req).seconds;
          const t = analyticalNetwork(system, { nodes }).collective(req).seconds;
          expect(t).toBeGreaterThanOrEqual(t0 * (1 - 1e-12));
        }),
        { numRuns: 200 },
      );
    }
  });

  it('never time a collective faster spread over more pods than inside one (property, analytical)', () => {
    for (const system of [h100, tapered]) {
      fc.assert(
        fc.property(collectiveAndTwoPlacements, ({ req, narrow, wide }) => {
          const one = { leaves: (narrow as { leaves: number }).leaves, pods: 1 };
          if (one.leaves > geo.nodesPerPod / geo.nodesPerLeaf) return;
          const t1 = analyticalNetwork(system, one).collective(req).seconds;
          expect(analyticalNetwork(system, narrow).collective(req).seconds).toBeGreaterThanOrEqual(t1 * (1 - 1e-12));
          if ((wide as { leaves: number }).leaves === one.leaves) expect(analyticalNetwork(system, wide).collective(req).seconds).toBeGreaterThanOrEqual(t1 * (1 - 1e-12));
        }),
        { numRuns: 200 },
      );
    }
  });

  it('without a placement answer as the worst-case placement does on a non-blocking fabric', () => {
    // No placement: every hop is timed through the top tier, and a 1:1 fabric tapers nothing;
    // a job spread over pods climbs to the top tier, so the two agree exactly.
    fc.assert(
      fc.property(collectiveAndTwoPlacements, ({ req }) => {
        const jobNodes = Math.ceil(req.group.jobGpus! / 8);
        const spread: JobPlacement = { leaves: jobNodes, pods: jobNodes };
        const a = analyticalNetwork(h100).collective(req);
        const b = analyticalNetwork(h100, spread).collective(req);
        if (groupCrossing(geo, placedNodes(geo, jobNodes, spread), req.group).tier < 2) return;
        expect(b.seconds).toBeCloseTo(a.seconds, 15);
        expect(b.algorithm).toBe(a.algorithm);
      }),
      { numRuns: 150 },
    );
  });

  it('pays only latency for spreading on a 1:1 fabric, and bandwidth on a tapered one', () => {
    // DP all-reduce of 1 GiB over 16 nodes, one rank per node (TP 8).
    const req: CollectiveRequest = { op: 'allreduce', bytes: 2 ** 30, group: groupPlacement(16, 8, 8, 128), algorithm: 'ring' };
    const compact: JobPlacement = { leaves: 1, pods: 1 };
    const spread: JobPlacement = { leaves: 16, pods: 16 };
    const ratio = (s: SystemSpec) => analyticalNetwork(s, spread).collective(req).seconds / analyticalNetwork(s, compact).collective(req).seconds;
    const flat = ratio(h100);
    expect(flat).toBeGreaterThan(1);
    expect(flat).toBeLessThan(1.01);
    // 2:1 at the leaf and 2:1 at the spine: a ring that crosses pods runs at a quarter of its NIC rate.
    expect(ratio(tapered)).toBeGreaterThan(3);
  });

  it('flow model: a job spread over pods on a 1:1 adaptive fabric moves its bytes as fast as one in a leaf', () => {
    const gpus = 64;
    const req: CollectiveRequest = { op: 'allreduce', bytes: 2 ** 30, group: groupPlacement(8, 8, 8, gpus), algorithm: 'ring' };
    const inLeaf = flowNetwork(h100, gpus, { leaves: 1, pods: 1 }).collective(req).seconds;
    const spread = flowNetwork(h100, gpus, { leaves: 8, pods: 8 }).collective(req).seconds;
    expect(spread).toBeGreaterThan(inLeaf);
    expect(spread / inLeaf).toBeLessThan(1.01);
    // The nodes themselves, as a fleet gives them: the same leaves and pods, the same answer.
    const nodes = placedNodes(geo, 8, { leaves: 8, pods: 8 });
    expect(flowNetwork(h100, gpus, { nodes }).collective(req).seconds).toBeCloseTo(spread, 12);
    // On a tapered fabric the spines hold the flows back.
    const t1 = flowNetwork(tapered, gpus, { leaves: 1, pods: 1 }).collective(req).seconds;
    const t2 = flowNetwork(tapered, gpus, { leaves: 8, pods: 8 }).collective(req).seconds;
    expect(t2 / t1).toBeGreaterThan(1.5);
  });
});
