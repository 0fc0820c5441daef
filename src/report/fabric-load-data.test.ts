import { describe, expect, it } from 'vitest';
import { resolveSystem } from '../config/catalog.js';
import { resolveScenario } from '../engine.js';
import { stageParamsPerGpu, stateBytesPerParam } from '../memory/memory-model.js';
import { flowNetwork } from '../network/flow/flow-network.js';
import { packedGroup } from '../network/network-model.js';
import { loadPresets } from '../node/presets.js';
import { fabricLoadData, gradientReduction, scenarioFabricLoad } from './fabric-load-data.js';

const catalog = loadPresets();
const dgx = resolveSystem(catalog, 'dgx-h100');
/** DGX H100 nodes under a toy three-tier fat tree of radix-8 switches, so 16 nodes climb to the cores. */
const toy = { ...dgx, name: 'toy-radix-8', fabric: { ...dgx.fabric, switchRadix: 8, tiers: 3 } } as typeof dgx;

describe('fabricLoadData', () => {
  it("carries the flow network's link loads, tier by tier, bytes conserved", () => {
    const request = { op: 'allreduce', bytes: 2 ** 30, group: packedGroup(128, 8) } as const;
    const d = fabricLoadData(toy, 128, request);
    const net = flowNetwork(toy, 128);
    const est = net.collective(request);
    const loads = net.lastLinkLoads();
    expect(d.collective.seconds).toBe(est.seconds);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(d.tiers.map((t) => t.bytes))).toBeCloseTo(sum(loads.map((l) => l.bytes)), 0);
    expect(Math.max(...d.tiers.map((t) => t.maxUtilisation))).toBe(Math.max(...loads.map((l) => l.utilisation)));
    expect(d.tiers.find((t) => t.tier === 'nvlink')!.bytes).toBeCloseTo(sum(loads.filter((l) => l.kind === 'nvlink' || l.kind === 'nvls').map((l) => l.bytes)), 0);
    expect(d.tiers.find((t) => t.tier === 'gpu-nic')!.bytes).toBeCloseTo(sum(loads.filter((l) => l.kind === 'pcie').map((l) => l.bytes)), 0);
    expect(d.tiers.map((t) => t.tier)).toEqual(['nvlink', 'gpu-nic', 'nic-leaf', 'leaf-spine', 'spine-core']);
    // 16 nodes of 8 cross every tier.
    for (const t of d.tiers) expect(t.busyLinks, t.tier).toBeGreaterThan(0);
  });

  it('caps each layer, grouping whole nodes, and lays dots out in [0, 1] per layer', () => {
    const d = fabricLoadData(toy, 128, { op: 'allreduce', bytes: 2 ** 26, group: packedGroup(128, 8) }, { maxDotsPerLayer: 32 });
    const byLayer = new Map<string, typeof d.dots>();
    for (const p of d.dots) byLayer.set(p.layer, [...(byLayer.get(p.layer) ?? []), p]);
    for (const [layer, dots] of byLayer) {
      expect(dots.length, layer).toBeLessThanOrEqual(32);
      for (const p of dots) expect(p.x > 0 && p.x < 1).toBe(true);
    }
    expect(d.aggregated).toEqual([
      { layer: 'gpu', devices: 128, perDot: 8 },
      { layer: 'nic', devices: 128, perDot: 8 },
    ]);
    expect(byLayer.get('gpu')!.every((p) => p.devices === 8)).toBe(true);
    for (const e of d.edges) expect(e.utilisation >= 0 && e.utilisation <= 1).toBe(true);
    expect(() => fabricLoadData(toy, 128, { op: 'allreduce', bytes: 1, group: packedGroup(128, 8) }, { maxDotsPerLayer: 1 })).toThrow(/maxDotsPerLayer/);
  });

  it("names a scenario's gradient reduction: the first stage's gradients over its DP group", () => {
    const s = resolveScenario({ system: 'dgx-h100', model: 'llama3-8b', gpus: 32, tp: 8, pp: 1, network: 'flow' }, catalog);
    const g = gradientReduction(s)!;
    expect(g.request.group.ranks).toBe(4);
    expect(g.request.bytes).toBe(stageParamsPerGpu(s.model, s.exec, 0, s.exec.layersPerStage[0]) * stateBytesPerParam(s.exec).reducedGrads);
    const d = scenarioFabricLoad(s)!;
    expect(d.gpus).toBe(32);
    expect(d.collective.words).toMatch(/data-parallel .* of stage 0's gradients/);
    // Rail-optimised leaves carry a DP ring of 4 nodes: nothing climbs to the spines.
    expect(d.tiers.find((t) => t.tier === 'leaf-spine')!.busyLinks).toBe(0);
    expect(d.tiers.find((t) => t.tier === 'nic-leaf')!.maxUtilisation).toBeGreaterThan(0.5);
    expect(gradientReduction(resolveScenario({ system: 'dgx-h100', model: 'llama3-8b', gpus: 8, tp: 8, pp: 1 }, catalog))).toBeUndefined();
  });
});
