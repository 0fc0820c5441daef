/**
 * The fat tree with its link load (`report --network flow`): the job's NVSwitches, GPUs, NICs and
 * leaf, spine and core switches as layers of dots, and every link between them coloured by how busy
 * it was while one collective ran on the flow-level network model; idle links grey. Large layers
 * are drawn as dots of several devices (the caption says which).
 *
 * Signature, for the training report (src/cli/commands/report.ts):
 *
 *   import { scenarioFabricLoad } from '../../report/fabric-load-data.js';
 *   import { fabricLoadChart } from '../../report/charts/fabric-load.js';
 *   const fabric = scenarioFabricLoad(scenario);              // undefined when DP is 1
 *   if (fabric) charts.push(fabricLoadChart(fabric));
 *
 * or, for a collective the caller names: fabricLoadChart(fabricLoadData(system, jobGpus, request, { words })).
 */
import * as Plot from '@observablehq/plot';
import type { DeviceKind } from '../../topology/topology.js';
import { formatDuration, formatPercent } from '../../units.js';
import type { Chart } from '../chart.js';
import { FABRIC_LAYERS, type FabricEdge, type FabricLoadData } from '../fabric-load-data.js';

const LAYER_NAMES: Record<DeviceKind, string> = { nvswitch: 'NVSwitch', gpu: 'GPUs', nic: 'NICs', leaf: 'leaf switches', spine: 'spine switches', core: 'core switches' };
const TIER_WORDS: Record<string, string> = { nvlink: 'NVLink', 'gpu-nic': 'GPU-NIC (PCIe)', 'nic-leaf': 'NIC-leaf', 'leaf-spine': 'leaf-spine', 'spine-core': 'spine-core' };
const LEGEND_CELLS = 10;

const pct = (x: number): string => formatPercent(x, 0);

export function fabricLoadChart(d: FabricLoadData): Chart {
  const layers = FABRIC_LAYERS.map((layer, y) => ({ layer, y, name: LAYER_NAMES[layer] })).filter((l) => d.dots.some((dot) => dot.layer === l.layer));
  const top = Math.max(...layers.map((l) => l.y));
  const bottom = Math.min(...layers.map((l) => l.y));
  const idle = d.edges.filter((e) => !(e.utilisation > 0));
  // Busiest drawn last, on top.
  const busy = d.edges.filter((e) => e.utilisation > 0).sort((a, b) => a.utilisation - b.utilisation);
  const legend = Array.from({ length: LEGEND_CELLS }, (_, i) => ({ x1: 0.74 + i * 0.025, x2: 0.74 + (i + 1) * 0.025, u: (i + 0.5) / LEGEND_CELLS }));
  const legendY = top + 0.55;
  const c = d.collective;
  const figures: Record<string, number> = { collectiveSeconds: c.seconds, collectiveBytes: c.bytes, ranks: c.ranks, gpus: d.gpus, dots: d.dots.length, edges: d.edges.length };
  for (const t of d.tiers) {
    figures[`${t.tier}.links`] = t.links;
    figures[`${t.tier}.busyLinks`] = t.busyLinks;
    figures[`${t.tier}.bytes`] = t.bytes;
    figures[`${t.tier}.maxUtilisation`] = t.maxUtilisation;
  }
  const aggregated = d.aggregated.length
    ? ` Drawn with at most ${d.maxDotsPerLayer} dots a layer: ${d.aggregated.map((a) => `${a.devices.toLocaleString('en-US')} ${LAYER_NAMES[a.layer]} as dots of ${a.perDot}`).join(', ')}; a line between two such dots is coloured by the busiest link it stands for.`
    : '';
  const busiest = d.tiers.filter((t) => t.busyLinks > 0).map((t) => `${TIER_WORDS[t.tier]} ${pct(t.maxUtilisation)}`).join(', ');
  type Edge = FabricEdge;
  return {
    id: 'fabric-load',
    title: 'The fabric with its link load',
    caption: d.analytical
      ? `${c.words} on ${d.gpus.toLocaleString('en-US')} GPUs of ${d.system}: too many flows for the flow-level model to build, so it was timed analytically (${formatDuration(c.seconds)}) and no link carries a load here.`
      : `${c.words} on ${d.gpus.toLocaleString('en-US')} GPUs (${d.nodes.toLocaleString('en-US')} nodes) of ${d.system}, timed by the flow-level network model: ${formatDuration(c.seconds)} (${c.algorithm}/${c.protocol}). Each line is a link, coloured by its busy fraction over the transfer, grey when idle; the busiest of each tier: ${busiest || 'none'}. NVLS reductions inside a switch are not drawn.${d.routing === 'adaptive' && d.fabricTiers > 1 ? ' Adaptive routing spreads a leaf\'s uplinks as one trunk, so each of them carries its share.' : ''}${aggregated}`,
    figures,
    plot: {
      width: 900,
      height: 60 + 70 * layers.length,
      marginLeft: 10,
      marginRight: 10,
      x: { axis: null, domain: [-0.16, 1.02] },
      y: { axis: null, domain: [bottom - 0.5, top + 0.8] },
      color: { type: 'linear', scheme: 'YlOrRd', domain: [0, 1] },
      marks: [
        Plot.link(idle, { x1: 'x1', y1: 'y1', x2: 'x2', y2: 'y2', stroke: '#d0d4da', strokeWidth: 0.7 }),
        Plot.link(busy, {
          x1: 'x1',
          y1: 'y1',
          x2: 'x2',
          y2: 'y2',
          stroke: 'utilisation',
          strokeWidth: 1.6,
          title: (e: Edge) => `${TIER_WORDS[e.tier]}: ${pct(e.utilisation)} busy, ${(e.bytes / 1e6).toFixed(1)} MB (${e.links} links)`,
        }),
        Plot.dot(d.dots, { x: 'x', y: 'y', r: (p: FabricLoadData['dots'][number]) => (p.devices > 1 ? 4 : 3), fill: 'white', stroke: '#333', strokeWidth: 1, title: 'label' }),
        Plot.text(layers, { x: -0.02, y: 'y', text: 'name', textAnchor: 'end', fontSize: 11 }),
        // The colour key, drawn with the same scale as the links.
        Plot.rect(legend, { x1: 'x1', x2: 'x2', y1: legendY - 0.1, y2: legendY + 0.1, fill: 'u' }),
        Plot.text(['link busy 0%'], { x: 0.735, y: legendY, text: (t: string) => t, textAnchor: 'end', fontSize: 10 }),
        Plot.text(['100%'], { x: 0.995, y: legendY, text: (t: string) => t, textAnchor: 'start', fontSize: 10 }),
      ],
    },
  };
}
