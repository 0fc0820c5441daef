import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveSystem } from '../config/catalog.js';
import { buildTopology } from './topology.js';
import { route } from './routing.js';
import { fatTreeGeometry } from './fat-tree-geometry.js';

const h100 = resolveSystem(catalog, 'dgx-h100');

describe('fat-tree geometry', () => {
  it('splits radix-64 switches 32 down / 32 up and holds k^3/4 = 65,536 GPUs in three tiers', () => {
    const g = fatTreeGeometry(h100.fabric, h100.node);
    expect(g.leafDown).toBe(32);
    expect(g.leafUp).toBe(32);
    // Rail-optimized: a leaf per rail for 32 nodes; a pod's 32 spine ports reach 32 leaves = 4 groups of 32 nodes.
    expect(g.nodesPerLeaf).toBe(32);
    expect(g.nodesPerPod).toBe(128);
    expect(g.maxNodes * 8).toBe(65536);
  });
  it('turns oversubscription into fewer uplinks', () => {
    const g = fatTreeGeometry({ ...h100.fabric, oversubscription: 2 }, h100.node);
    expect(g.leafDown / g.leafUp).toBeCloseTo(2, 0);
  });
});

describe('topology', () => {
  const t = buildTopology(h100, 16384);
  it('has every GPU, NIC and switch as an object with an id, and links between them', () => {
    const kinds = new Map<string, number>();
    for (const d of t.devices) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
    expect(kinds.get('gpu')).toBe(16384);
    expect(kinds.get('nic')).toBe(16384);
    expect(kinds.get('nvswitch')).toBe(2048);
    expect(kinds.get('leaf')).toBe(512);
    expect(t.pods).toBe(16);
    t.devices.forEach((d, i) => expect(d.id).toBe(i));
    t.links.forEach((l, i) => {
      expect(l.id).toBe(i);
      expect(l.capacityBytesPerSecond).toBeGreaterThan(0);
    });
  });
  it('routes inside a node over NVLink, across nodes through NICs and as few tiers as needed', () => {
    const names = (a: number, b: number) => {
      const out: number[] = [];
      route(t, a, b, 8, out);
      return out.map((l) => t.links[l].kind);
    };
    expect(names(0, 5)).toEqual(['nvlink', 'nvlink']);
    // Same rail, same leaf (nodes 0 and 1, GPU 3): PCIe, NIC up, NIC down, PCIe.
    expect(names(3, 8 + 3)).toEqual(['pcie', 'net', 'net', 'pcie']);
    // Across pods: up the leaf and pod trunks (adaptive routing) and down again.
    expect(names(3, 8 * 300 + 3)).toEqual(['pcie', 'net', 'trunk', 'trunk', 'trunk', 'trunk', 'net', 'pcie']);
    // Another rail: the sender hands over NVLink to the GPU on the destination's rail (PXN).
    expect(names(2, 8 + 3)).toEqual(['nvlink', 'nvlink', 'pcie', 'net', 'net', 'pcie']);
  });
  it('refuses a job larger than its fabric can hold', () => {
    expect(() => buildTopology(resolveSystem(catalog, 'ndm-a100-v4'), 16384)).toThrow(/holds 1,600 \(12,800 GPUs\)/);
  });
});
