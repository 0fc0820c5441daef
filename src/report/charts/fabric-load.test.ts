/** The fabric chart for two small fabrics: SVG snapshots (numbers rounded) and figures against the flow network's link loads. */
import { describe, expect, it } from 'vitest';
import { resolveSystem } from '../../config/catalog.js';
import { resolveScenario } from '../../engine.js';
import { flowNetwork } from '../../network/flow/flow-network.js';
import { packedGroup } from '../../network/network-model.js';
import { nodeDocument } from '../../node/dom.js';
import { loadPresets } from '../../node/presets.js';
import { chartSvgText, type Chart } from '../chart.js';
import { fabricLoadData, gradientReduction, scenarioFabricLoad } from '../fabric-load-data.js';
import { fabricLoadChart } from './fabric-load.js';

const catalog = loadPresets();
const roundedSvg = (c: Chart): string => chartSvgText(c, nodeDocument()).replace(/\d+\.\d+/g, (d) => Number(d).toFixed(2));

describe('fabric-load chart', () => {
  it('draws a 4-node DGX H100 job reducing its gradients over the rail leaves', async () => {
    const s = resolveScenario({ system: 'dgx-h100', model: 'llama3-8b', gpus: 32, tp: 8, pp: 1, network: 'flow' }, catalog);
    const c = fabricLoadChart(scenarioFabricLoad(s)!);
    const g = gradientReduction(s)!;
    const net = flowNetwork(s.system, 32);
    expect(c.figures.collectiveSeconds).toBe(net.collective(g.request).seconds);
    const loads = net.lastLinkLoads();
    expect(c.figures['nic-leaf.maxUtilisation']).toBe(Math.max(...loads.filter((l) => l.kind === 'net').map((l) => l.utilisation)));
    expect(c.figures['gpu-nic.busyLinks']).toBe(loads.filter((l) => l.kind === 'pcie').length);
    expect(c.figures['leaf-spine.busyLinks']).toBe(0);
    expect(c.caption).toMatch(/timed by the flow-level network model: .* \(ring\/Simple\)/);
    await expect(roundedSvg(c)).toMatchFileSnapshot('__snapshots__/fabric-load-dgx-h100-4-nodes.svg');
  });

  it('draws 16 nodes under a three-tier tree, GPUs and NICs as a dot a node', async () => {
    const dgx = resolveSystem(catalog, 'dgx-h100');
    const toy = { ...dgx, name: 'toy-radix-8', fabric: { ...dgx.fabric, switchRadix: 8, tiers: 3 } } as typeof dgx;
    const request = { op: 'allreduce', bytes: 2 ** 30, group: packedGroup(128, 8) } as const;
    const c = fabricLoadChart(fabricLoadData(toy, 128, request, { maxDotsPerLayer: 32 }));
    const net = flowNetwork(toy, 128);
    expect(c.figures.collectiveSeconds).toBe(net.collective(request).seconds);
    expect(c.figures['spine-core.maxUtilisation']).toBeGreaterThan(0);
    expect(c.caption).toMatch(/at most 32 dots a layer: 128 GPUs as dots of 8, 128 NICs as dots of 8/);
    await expect(roundedSvg(c)).toMatchFileSnapshot('__snapshots__/fabric-load-toy-16-nodes.svg');
  });
});
