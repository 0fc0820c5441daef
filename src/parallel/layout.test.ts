import { describe, expect, it } from 'vitest';
import { parallelLayout } from './layout.js';

describe('parallel layout (Megatron rank order: TP, CP, DP, PP)', () => {
  it('puts a TP-8 group in one node and DP peers one per node', () => {
    const l = parallelLayout({ gpus: 1024, tp: 8, cp: 1, ep: 1, dp: 16, pp: 8 }, 8);
    expect(l.tp).toMatchObject({ ranks: 8, ranksPerNode: 8, nodes: 1, concurrentGroupsPerNode: 1 });
    expect(l.dp).toMatchObject({ ranks: 16, ranksPerNode: 1, nodes: 16, concurrentGroupsPerNode: 8 });
    expect(l.pp.ranksPerNode).toBe(1);
    expect(l.nodes).toBe(128);
  });
  it('packs DP ranks into nodes when TP is small', () => {
    const l = parallelLayout({ gpus: 64, tp: 2, cp: 1, ep: 1, dp: 32, pp: 1 }, 8);
    expect(l.dp).toMatchObject({ ranks: 32, ranksPerNode: 4, nodes: 8, concurrentGroupsPerNode: 2 });
  });
});
