/**
 * The fabric kinds' table: complete for every kind the schema accepts, every figure sourced and in
 * range, and an EFA fabric never faster than the same fabric as InfiniBand at the same line rate
 * (the published runs: p5's EFA v2 plateaus at 0.89 of line rate, P6-B200's EFA v4 at 0.95, NDR
 * InfiniBand at 0.92-0.96; AWS's tuner charges 18-21 us per network step where NCCL charges IB 2.7-14).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog } from '../../test/support/catalog.js';
import { resolveSystem } from './catalog.js';
import { FabricSpecSchema } from './system-schema.js';
import { FABRIC_KINDS, FABRIC_KIND_NAMES, effectiveRouting, fabricKind } from './fabric-kinds.js';
import { NET_HOP_LATENCY_US, PROTOCOLS } from '../network/nccl-protocols.js';
import { analyticalNetwork } from '../network/analytical.js';
import { flowNetwork } from '../network/flow/flow-network.js';
import { COLLECTIVE_OPS, packedGroup } from '../network/network-model.js';

describe('fabric kinds', () => {
  it('the schema accepts exactly the kinds the table declares', () => {
    const schemaKinds = (FabricSpecSchema.shape.kind.options as readonly string[]).slice().sort();
    expect(schemaKinds).toEqual(Object.keys(FABRIC_KINDS).sort());
    expect(FABRIC_KIND_NAMES).toContain('efa');
    expect(FABRIC_KIND_NAMES).toContain('tcpx');
  });

  it('declares every property, in range and with a source, for every kind', () => {
    for (const name of FABRIC_KIND_NAMES) {
      const k = fabricKind(name);
      expect(k.description.length, name).toBeGreaterThan(0);
      expect(k.nicAchievedFraction, name).toBeGreaterThan(0);
      expect(k.nicAchievedFraction, name).toBeLessThanOrEqual(1);
      expect(k.nicAchievedFractionSource.length, name).toBeGreaterThan(10);
      expect(k.netStepLatencySource.length, name).toBeGreaterThan(10);
      expect(k.multipathSource.length, name).toBeGreaterThan(10);
      expect(typeof k.multipathTransport, name).toBe('boolean');
      if (k.netStepLatencyMicroseconds) for (const p of PROTOCOLS) expect(k.netStepLatencyMicroseconds[p], `${name} ${p}`).toBeGreaterThanOrEqual(0);
    }
  });

  it('a multipath transport routes as adaptive; the others keep fabric.routing', () => {
    expect(effectiveRouting({ kind: 'efa', routing: 'ecmp' })).toBe('adaptive');
    expect(effectiveRouting({ kind: 'roce', routing: 'ecmp' })).toBe('ecmp');
    expect(effectiveRouting({ kind: 'infiniband', routing: 'destination' })).toBe('destination');
  });

  it("EFA's per-step latency is never below NCCL's InfiniBand figure for any algorithm and protocol", () => {
    const efa = FABRIC_KINDS.efa.netStepLatencyMicroseconds;
    for (const p of PROTOCOLS) {
      expect(efa[p]).toBeGreaterThanOrEqual(NET_HOP_LATENCY_US.ring[p]);
      expect(efa[p]).toBeGreaterThanOrEqual(NET_HOP_LATENCY_US.tree[p]);
    }
    expect(efa.Simple).toBeGreaterThanOrEqual(NET_HOP_LATENCY_US.nvls.Simple);
  });

  it('a preset without nicAchievedFraction takes its kind\'s; one with it keeps its own', () => {
    const p5 = resolveSystem(catalog, 'aws-p5');
    expect(p5.node.nicAchievedFraction).toBe(FABRIC_KINDS.efa.nicAchievedFraction);
    const raw = structuredClone(catalog.systems['aws-p5']) as { node: Record<string, unknown> };
    raw.node.nicAchievedFraction = 0.5;
    expect(resolveSystem(catalog, raw).node.nicAchievedFraction).toBe(0.5);
  });
});

/** aws-p5 as written, or the same fabric described as InfiniBand (adaptive routing, the kind's own efficiency). */
function p5As(kind: 'efa' | 'infiniband') {
  const raw = structuredClone(catalog.systems['aws-p5']) as { fabric: Record<string, unknown>; node: Record<string, unknown> };
  raw.fabric.kind = kind;
  raw.fabric.routing = 'adaptive';
  delete raw.node.nicAchievedFraction;
  return resolveSystem(catalog, raw);
}

describe('EFA against InfiniBand at equal line rate', () => {
  const efa = p5As('efa');
  const ib = p5As('infiniband');
  it('is never faster, for any collective, size and GPU count (property, analytical)', () => {
    const netE = analyticalNetwork(efa);
    const netI = analyticalNetwork(ib);
    fc.assert(
      fc.property(fc.constantFrom(...COLLECTIVE_OPS), fc.constantFrom(2, 8, 16, 32, 64, 256, 1024), fc.double({ min: 1e2, max: 1e10, noNaN: true }), (op, gpus, bytes) => {
        const group = packedGroup(gpus, 8);
        return netE.collective({ op, bytes, group }).seconds >= netI.collective({ op, bytes, group }).seconds * (1 - 1e-12);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
    );
  });

  it('is never faster on the flow-level model either', () => {
    for (const gpus of [16, 64]) {
      const netE = flowNetwork(efa, gpus);
      const netI = flowNetwork(ib, gpus);
      const group = packedGroup(gpus, 8);
      for (const op of ['allreduce', 'allgather', 'alltoall'] as const) {
        for (const bytes of [64e3, 16e6, 1e9]) {
          expect(netE.collective({ op, bytes, group }).seconds, `${op} ${bytes} on ${gpus}`).toBeGreaterThanOrEqual(netI.collective({ op, bytes, group }).seconds * (1 - 1e-12));
        }
      }
    }
  });

  it('is slower where latency counts (a small all-reduce across nodes)', () => {
    const group = packedGroup(64, 8);
    const e = analyticalNetwork(efa).collective({ op: 'allreduce', bytes: 64e3, group }).seconds;
    const i = analyticalNetwork(ib).collective({ op: 'allreduce', bytes: 64e3, group }).seconds;
    expect(e).toBeGreaterThan(1.5 * i);
  });
});
