/**
 * The step as a Gantt chart: one row per pipeline stage and stream (compute,
 * pipeline sends, DP reduction), each interval coloured by what runs in it,
 * and the compute stream's idle time drawn as the bubble, from the event
 * simulation's timeline (`evaluateScenario(s, { timeline: true })`).
 *
 * A large step has tens of thousands of events, far more than the chart has
 * pixels: past MAX_EXACT_BARS the time axis is cut into GANTT_SLICES slices
 * per row and each slice drawn as the kind that fills most of it (adjacent
 * slices of one kind are one bar), so the SVG stays a few hundred KB; the
 * caption says so. The figures are always the exact sums over every event.
 */
import * as Plot from '@observablehq/plot';
import type { SimulationResult } from '../../engine.js';
import { STREAMS, type EventKind, type Stream, type TimelineEvent } from '../../schedule/step-simulation.js';
import type { Chart } from '../chart.js';
import { keyMarks, keyRows, type KeyEntry } from './key.js';

/** What a bar of the Gantt chart can be: an event kind, or idle compute. */
export type GanttKind = EventKind | 'bubble';

/** Every kind in the key's order, with its label and colour (Tableau 10; the bubble a light grey). */
export const GANTT_KINDS: ReadonlyArray<{ kind: GanttKind; label: string; color: string }> = [
  { kind: 'forward', label: 'forward', color: '#4e79a7' },
  { kind: 'backward', label: 'backward', color: '#f28e2b' },
  { kind: 'recompute', label: 'recompute', color: '#b07aa1' },
  { kind: 'optimizer', label: 'optimizer', color: '#9c755f' },
  { kind: 'tp-comm', label: 'TP comm', color: '#e15759' },
  { kind: 'cp-comm', label: 'CP comm', color: '#ff9da7' },
  { kind: 'ep-comm', label: 'EP comm', color: '#edc948' },
  { kind: 'pp-comm', label: 'PP comm', color: '#76b7b2' },
  { kind: 'dp-comm', label: 'DP comm', color: '#59a14f' },
  { kind: 'param-gather', label: 'param all-gather', color: '#8cd17d' },
  { kind: 'bubble', label: 'bubble (idle compute)', color: '#d9d9d9' },
  // Last, so the colours of charts without it (rankVariation off) stay as they were.
  { kind: 'rank-wait', label: 'slowest rank', color: '#bab0ac' },
];

/** Above this many bars (after merging touching intervals of one kind) the chart draws slices instead. */
export const MAX_EXACT_BARS = 2500;
/** Above this many pipeline stages, one row a stage (its compute stream) instead of one a stream. */
export const MAX_STREAM_STAGES = 16;
/** Above this many bars, no hover titles (each adds ~60 bytes). */
export const MAX_TITLED_BARS = 600;
/** Slices of the step per row when slicing: about one per pixel of the plot's width. */
export const GANTT_SLICES = 800;

const STREAM_LABEL: Record<Stream, string> = { compute: 'compute', pp: 'PP sends', dp: 'DP reduce' };

/** One drawn bar. */
interface Bar {
  row: string;
  kind: GanttKind;
  start: number;
  end: number;
}

/** `tp-comm` -> `tpCommSeconds`: the figure name of a kind's total. */
export const kindFigure = (kind: GanttKind): string => `${kind.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}Seconds`;

/** Gaps of the compute stream between 0 and the step's end (the union of its intervals subtracted). */
function idleIntervals(sorted: readonly TimelineEvent[], stepSeconds: number, eps: number): Array<[number, number]> {
  const gaps: Array<[number, number]> = [];
  let at = 0;
  for (const e of sorted) {
    if (e.startSeconds > at + eps) gaps.push([at, e.startSeconds]);
    at = Math.max(at, e.endSeconds);
  }
  if (stepSeconds > at + eps) gaps.push([at, stepSeconds]);
  return gaps;
}

/** Touching or overlapping intervals of the same kind on one row as one bar. */
function mergeRow(row: string, sorted: readonly TimelineEvent[], eps: number): Bar[] {
  const bars: Bar[] = [];
  const open = new Map<GanttKind, Bar>();
  for (const e of sorted) {
    const last = open.get(e.kind);
    if (last && e.startSeconds <= last.end + eps && bars[bars.length - 1] === last) {
      last.end = Math.max(last.end, e.endSeconds);
      continue;
    }
    const bar = { row, kind: e.kind, start: e.startSeconds, end: e.endSeconds };
    bars.push(bar);
    open.set(e.kind, bar);
  }
  return bars;
}

/** One row cut into `slices` slices, each the kind that covers most of it (idle compute: the bubble). */
function sliceRow(row: string, events: readonly TimelineEvent[], stepSeconds: number, slices: number, isCompute: boolean): Bar[] {
  const width = stepSeconds / slices;
  const kinds = GANTT_KINDS.map((k) => k.kind);
  const index = new Map(kinds.map((k, i) => [k, i]));
  const cover = new Float64Array(slices * kinds.length);
  const busy = new Float64Array(slices);
  for (const e of events) {
    const k = index.get(e.kind)!;
    const first = Math.max(0, Math.floor(e.startSeconds / width));
    const last = Math.min(slices - 1, Math.floor(e.endSeconds / width));
    for (let b = first; b <= last; b++) {
      const overlap = Math.min(e.endSeconds, (b + 1) * width) - Math.max(e.startSeconds, b * width);
      if (overlap > 0) {
        cover[b * kinds.length + k] += overlap;
        busy[b] += overlap;
      }
    }
  }
  const bubble = index.get('bubble')!;
  const bars: Bar[] = [];
  for (let b = 0; b < slices; b++) {
    if (isCompute) cover[b * kinds.length + bubble] = Math.max(0, width - busy[b]);
    let best = -1;
    let most = 0;
    for (let k = 0; k < kinds.length; k++) {
      if (cover[b * kinds.length + k] > most) {
        most = cover[b * kinds.length + k];
        best = k;
      }
    }
    if (best < 0) continue;
    const last = bars[bars.length - 1];
    if (last && last.kind === kinds[best] && Math.abs(last.end - b * width) < width * 1e-6) last.end = (b + 1) * width;
    else bars.push({ row, kind: kinds[best], start: b * width, end: (b + 1) * width });
  }
  return bars;
}

/** The Gantt chart of a step simulated with its timeline. */
export function stepGanttChart(r: Pick<SimulationResult, 'stepTimeSeconds' | 'criticalStage' | 'config'> & { timeline: readonly TimelineEvent[] }): Chart {
  const pp = r.config.execution.pp;
  const step = r.stepTimeSeconds;
  const eps = step * 1e-9;
  const byRow = new Map<string, TimelineEvent[]>();
  const streamsUsed = new Set<Stream>(['compute']);
  const totals = new Map<GanttKind, number>();
  for (const e of r.timeline) {
    streamsUsed.add(e.stream);
    totals.set(e.kind, (totals.get(e.kind) ?? 0) + (e.endSeconds - e.startSeconds));
  }
  // Past MAX_STREAM_STAGES stages, the compute streams alone: three rows a stage would run to thousands of pixels.
  const computeOnly = pp > MAX_STREAM_STAGES;
  const streams = computeOnly ? (['compute'] as Stream[]) : STREAMS.filter((s) => streamsUsed.has(s));
  const rowName = (stage: number, stream: Stream): string => `stage ${stage} · ${STREAM_LABEL[stream]}`;
  const rows: string[] = [];
  for (let s = 0; s < pp; s++) for (const st of streams) rows.push(rowName(s, st));
  for (const row of rows) byRow.set(row, []);
  for (const e of r.timeline) byRow.get(rowName(e.stage, e.stream))?.push(e);
  for (const list of byRow.values()) list.sort((a, b) => a.startSeconds - b.startSeconds || a.endSeconds - b.endSeconds);

  // Exact bars first: touching intervals of a kind merged, the compute stream's gaps as the bubble.
  let bars: Bar[] = [];
  let idleOnCritical = 0;
  const idleByStage: number[] = [];
  for (let s = 0; s < pp; s++) {
    for (const st of streams) {
      const row = rowName(s, st);
      const events = byRow.get(row)!;
      bars.push(...mergeRow(row, events, eps));
      if (st === 'compute') {
        const gaps = idleIntervals(events, step, eps);
        const idle = gaps.reduce((a, [x1, x2]) => a + (x2 - x1), 0);
        idleByStage.push(idle);
        if (s === r.criticalStage) idleOnCritical = idle;
        bars.push(...gaps.map(([start, end]) => ({ row, kind: 'bubble' as const, start, end })));
      }
    }
  }
  const sliced = bars.length > MAX_EXACT_BARS;
  if (sliced) {
    bars = [];
    for (const row of rows) bars.push(...sliceRow(row, byRow.get(row)!, step, GANTT_SLICES, row.endsWith(STREAM_LABEL.compute)));
  }

  const present = new Set<GanttKind>([...totals.keys(), ...(idleByStage.some((x) => x > eps) ? (['bubble'] as const) : [])]);
  const kinds = GANTT_KINDS.filter((k) => present.has(k.kind));
  const key: KeyEntry[] = kinds.map((k) => ({ label: k.label, color: k.color }));
  const perRow = 6;
  const marginTop = 14 + keyRows(key.length, perRow) * 16 + 10;
  const rowPx = rows.length > 48 ? 10 : 16;

  const figures: Record<string, number> = {
    stepTimeSeconds: step,
    criticalStage: r.criticalStage,
    events: r.timeline.length,
    bars: bars.length,
    rows: rows.length,
    criticalStageIdleSeconds: idleOnCritical,
    meanStageIdleSeconds: idleByStage.reduce((a, b) => a + b, 0) / Math.max(1, idleByStage.length),
  };
  for (const k of GANTT_KINDS) if (k.kind !== 'bubble') figures[kindFigure(k.kind)] = totals.get(k.kind) ?? 0;

  const how = sliced
    ? `The step's ${r.timeline.length.toLocaleString('en-US')} events are drawn in ${GANTT_SLICES} slices of ${(step / GANTT_SLICES).toPrecision(2)} s per row, each the kind that fills most of it (${bars.length.toLocaleString('en-US')} bars); the figures sum every event.`
    : `${r.timeline.length.toLocaleString('en-US')} events, touching ones of a kind merged into ${bars.length.toLocaleString('en-US')} bars.`;
  return {
    id: 'step-gantt',
    title: 'The step, stage by stage',
    caption: `One pipeline (every DP replica runs alike): each row a stage's ${computeOnly ? `compute stream (its ${pp} stages are too many to show the PP and DP streams too)` : 'stream'}, time in seconds from the step's start to its end at ${step.toPrecision(3)} s; grey is the compute stream idle (the bubble, waiting on other stages or on communication). ${how}`,
    figures,
    plot: {
      width: 960,
      marginLeft: 130,
      marginTop,
      height: marginTop + 30 + rows.length * rowPx,
      x: { label: 'seconds into the step', grid: true, domain: [0, step] },
      y: { label: null, domain: rows, padding: 0.15, tickSize: 0 },
      color: { domain: GANTT_KINDS.map((k) => k.kind), range: GANTT_KINDS.map((k) => k.color) },
      marks: [
        Plot.barX(bars, {
          x1: 'start',
          x2: 'end',
          y: 'row',
          fill: 'kind',
          ...(bars.length > MAX_TITLED_BARS ? {} : { title: (d: Bar) => `${d.row}: ${d.kind} ${d.start.toFixed(4)}-${d.end.toFixed(4)} s` }),
        }),
        ...keyMarks(key, { perRow, columnPx: 135, marginTop }),
      ],
    },
  };
}
