/**
 * What fills one GPU's memory on the fullest pipeline stage, by kind,
 * stacked against the GPU's HBM (the rule): from the engine's `memory`.
 */
import * as Plot from '@observablehq/plot';
import type { SimulationResult } from '../../engine.js';
import { GIB } from '../../units.js';
import type { Chart } from '../chart.js';
import { keyMarks, keyRows } from './key.js';

/** The memory model's kinds in simulate's order, with their labels and colours. */
export const MEMORY_PARTS = [
  ['weightsBytes', 'weights', '#4e79a7'],
  ['gradsBytes', 'gradients', '#f28e2b'],
  ['optimizerBytes', 'optimizer states', '#59a14f'],
  ['activationsBytes', 'activations', '#e15759'],
  ['transientBytes', 'largest transient', '#b07aa1'],
  ['reserveBytes', 'runtime reserve', '#bab0ac'],
] as const;

export function memoryStackChart(r: Pick<SimulationResult, 'memory' | 'memoryCapacityBytesPerGpu' | 'fitsInMemory'>): Chart {
  const m = r.memory;
  const row = `stage ${m.stage}`;
  const parts = MEMORY_PARTS.map(([key, label, color]) => ({ key, label, color, row, gib: m[key] / GIB, bytes: m[key] }));
  const figures: Record<string, number> = { stage: m.stage, totalBytes: m.totalBytes, capacityBytes: r.memoryCapacityBytesPerGpu };
  for (const p of parts) figures[p.key] = p.bytes;
  const capacityGib = r.memoryCapacityBytesPerGpu / GIB;
  const perRow = 6;
  const marginTop = 14 + keyRows(parts.length, perRow) * 16 + 8;
  const fits = r.fitsInMemory ? 'fits' : 'does not fit';
  return {
    id: 'memory-stack',
    title: 'Memory per GPU, fullest stage',
    caption: `GiB on one GPU of pipeline stage ${m.stage} at its peak: ${(m.totalBytes / GIB).toFixed(1)} of ${capacityGib.toFixed(0)} GiB HBM (the black rule), so it ${fits}. Allocator fragmentation is not counted (the planner keeps 10% headroom for it).`,
    figures,
    plot: {
      width: 960,
      marginLeft: 70,
      marginTop,
      height: marginTop + 80,
      x: { label: 'GiB', grid: true, domain: [0, Math.max(capacityGib, m.totalBytes / GIB) * 1.04] },
      y: { label: null, domain: [row] },
      color: { domain: parts.map((p) => p.label), range: parts.map((p) => p.color) },
      marks: [
        Plot.barX(parts, Plot.stackX({ x: 'gib', y: 'row', fill: 'label', order: null, title: (d: (typeof parts)[number]) => `${d.label}: ${d.gib.toFixed(2)} GiB` })),
        Plot.ruleX([capacityGib], { stroke: 'black', strokeWidth: 2 }),
        Plot.text([capacityGib], { x: (d: number) => d, frameAnchor: 'bottom', dy: -4, text: () => `HBM ${capacityGib.toFixed(0)} GiB`, textAnchor: 'end', dx: -4 }),
        ...keyMarks(parts.map((p) => ({ label: p.label, color: p.color })), { perRow, columnPx: 140, marginTop }),
      ],
    },
  };
}
