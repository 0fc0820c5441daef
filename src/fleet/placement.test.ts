import { describe, expect, it } from 'vitest';
import { resolveSystem } from '../config/catalog.js';
import { loadPresets } from '../node/presets.js';
import { seededRng } from '../reliability/prng.js';
import { fleetModel } from './fleet-model.js';
import { FreeNodes, PLACEMENTS, place, spanOf } from './placement.js';

const system = resolveSystem(loadPresets(), 'nd-h100-v5');
// ND H100 v5: radix-64 rail-optimized fat tree: 32 nodes per leaf group, 4 groups per pod.
const fleet = fleetModel(system, { gpus: 4096 });

const span = (nodes: Int32Array) => spanOf(fleet, nodes, nodes.length, new Int32Array(fleet.leaves), new Int32Array(fleet.pods), 1);

function freeExcept(busy: (n: number) => boolean): FreeNodes {
  const f = new FreeNodes(fleet);
  for (let n = 0; n < fleet.nodes; n++) if (!busy(n)) f.add(n);
  return f;
}

describe('placement', () => {
  it('sizes leaf groups and pods from the fabric', () => {
    expect([fleet.nodesPerLeaf, fleet.leavesPerPod, fleet.leaves, fleet.pods]).toEqual([32, 4, 16, 4]);
  });

  it('topology-aware: the fullest leaf group that holds the job, then the fewest groups in one pod', () => {
    // Leaf 0 has 10 free nodes, leaf 1 has 20, the rest are full except pod 3 (leaves 12-15).
    const f = freeExcept((n) => !((n < 10) || (n >= 32 && n < 52) || n >= 12 * 32));
    const out = new Int32Array(fleet.nodes);
    expect(place('topology', f, 8, out, seededRng(1))).toBe(true);
    expect(span(out.subarray(0, 8))).toEqual({ leaves: 1, pods: 1 });
    expect(Math.max(...out.subarray(0, 8))).toBeLessThan(10); // best fit: leaf 0 (10 free), not leaf 1 (20)
    expect(place('topology', f, 40, out, seededRng(1))).toBe(true);
    expect(span(out.subarray(0, 40))).toEqual({ leaves: 2, pods: 1 });
  });

  it('takes exactly the nodes asked for, all free before and none after (property)', () => {
    const rng = seededRng(5);
    for (const policy of PLACEMENTS) {
      const f = freeExcept(() => rng.next() < 0.5);
      const before = new Set(Array.from({ length: f.count }, (_, i) => f.nth(i)));
      const need = Math.min(f.count, 1 + Math.floor(rng.next() * 100));
      const out = new Int32Array(fleet.nodes);
      expect(place(policy, f, need, out, seededRng(2))).toBe(true);
      const got = [...out.subarray(0, need)];
      expect(new Set(got).size).toBe(need);
      for (const n of got) {
        expect(before.has(n)).toBe(true);
        expect(f.isFree[n]).toBe(0);
      }
      expect(f.count).toBe(before.size - need);
      expect(place(policy, f, f.count + 1, out, seededRng(2))).toBe(false);
    }
  });
});
