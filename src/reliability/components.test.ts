import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog } from '../../test/support/catalog.js';
import { resolveSystem } from '../config/catalog.js';
import { fabricLinks, jobComponents } from './components.js';

const h100 = resolveSystem(catalog, 'dgx-h100');

describe('job components', () => {
  it('counts GPUs, nodes, NICs and the job', () => {
    const c = jobComponents(h100, 16384);
    expect(c).toMatchObject({ gpu: 16384, node: 2048, nic: 16384, job: 1 });
  });

  it('spans no fabric on one node, one tier within a leaf, three tiers across pods', () => {
    expect(fabricLinks(h100, 1)).toBe(0);
    // dgx-h100: 64-port switches, rail-optimized: 32 nodes per rail leaf, 128 nodes per pod.
    expect(fabricLinks(h100, 32)).toBe(32 * 8);
    expect(fabricLinks(h100, 64)).toBe(64 * 8 * 2);
    expect(fabricLinks(h100, 2048)).toBe(2048 * 8 * 3);
  });

  it('counts fewer uplinks on an oversubscribed fabric', () => {
    const over = { ...h100, fabric: { ...h100.fabric, oversubscription: [3, 3] as [number, number] } };
    expect(fabricLinks(over, 2048)).toBeLessThan(fabricLinks(h100, 2048));
    expect(fabricLinks(over, 2048)).toBeGreaterThan(2048 * 8);
  });

  it('never counts fewer links for more nodes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 1, max: 4000 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return fabricLinks(h100, lo) <= fabricLinks(h100, hi);
      }),
    );
  });
});
