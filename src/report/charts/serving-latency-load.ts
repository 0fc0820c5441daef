/**
 * Latency percentiles against load: TTFT and TPOT (p50, p90, p99) of the user's deployment at
 * each load level of the serving load curve (src/report/serving-load-curve.ts), side by side on
 * log scales, with the user's own load marked. The knee where TTFT climbs is the saturation.
 */
import * as Plot from '@observablehq/plot';
import type { LoadPoint, ServingLoadCurve } from '../serving-load-curve.js';
import type { Chart } from '../chart.js';

const PERCENTILES = ['p50', 'p90', 'p99'] as const;
const METRICS = [
  ['ttftSeconds', 'time to first token'],
  ['tpotSeconds', 'time per output token'],
] as const;

/** The x axis's label for a curve. */
export const loadAxisLabel = (c: Pick<ServingLoadCurve, 'axis' | 'loadKind'>): string =>
  c.axis === 'concurrency' ? 'clients in a closed loop' : c.loadKind === 'trace' ? 'arrivals, requests/s (the trace replayed faster or slower)' : 'arrivals, requests/s';

/** How each point other than the user's was run, for the captions. */
export function loadPointsWords(c: ServingLoadCurve): string {
  const others = c.points.length - 1;
  const each =
    c.axis === 'concurrency'
      ? `8 requests a client, at most ${c.requestsPerPoint.toLocaleString('en-US')} and at least 2 a client`
      : `${c.requestsPerPoint.toLocaleString('en-US')} requests${c.loadKind === 'trace' ? " (the trace's first)" : ''}`;
  return `The marked level is your run itself; each of the ${others} others simulates ${each}, without a warm-up, so its tail percentiles are rougher.`;
}

/** The figures every load chart carries: the user's point by name and each point's level. */
export function pointFigures(c: ServingLoadCurve, pick: (p: LoadPoint) => Record<string, number>): Record<string, number> {
  const figures: Record<string, number> = {};
  c.points.forEach((p, i) => {
    const f = { level: p.level, ...pick(p) };
    for (const [k, v] of Object.entries(f)) {
      figures[`point${i}.${k}`] = v;
      if (p.user) figures[`user.${k}`] = v;
    }
  });
  return figures;
}

/** Ticks of a log axis of seconds, 1-2-5 a decade, from 1 microsecond to a day. */
const SECOND_TICKS = Array.from({ length: 12 }, (_, e) => [1, 2, 5].map((m) => +(m * 10 ** (e - 6)).toPrecision(1))).flat();

const secondsWords = (s: number): string => (s >= 1 ? `${+s.toPrecision(3)} s` : s >= 1e-3 ? `${+(s * 1e3).toPrecision(3)} ms` : `${+(s * 1e6).toPrecision(3)} µs`);

/**
 * A log axis of seconds drawn as a linear axis of log10(seconds), labelled in ms or s at 1-2-5 a
 * decade. (Plot's log scale passes a custom tick format through d3's, which blanks the 5s and,
 * over many decades, the 2s; on a linear scale of the logarithm every tick keeps its label.)
 */
export function log10SecondsAxis(values: readonly number[]): { domain: [number, number]; ticks: number[]; tickFormat: (v: number) => string } {
  const lo = SECOND_TICKS.filter((t) => t <= Math.min(...values)).at(-1) ?? SECOND_TICKS[0];
  const hi = SECOND_TICKS.find((t) => t >= Math.max(...values)) ?? SECOND_TICKS.at(-1)!;
  return {
    domain: [Math.log10(lo), Math.log10(hi)],
    ticks: SECOND_TICKS.filter((t) => t >= lo && t <= hi).map(Math.log10),
    tickFormat: (v: number) => secondsWords(10 ** v),
  };
}

export function servingLatencyLoadChart(c: ServingLoadCurve): Chart {
  const rows = c.points.flatMap((p) =>
    METRICS.flatMap(([key, metric]) => PERCENTILES.map((q) => ({ level: p.level, metric, percentile: q, seconds: p[key][q], log10Seconds: Math.log10(p[key][q]), user: p.user }))),
  ).filter((d) => Number.isFinite(d.seconds) && d.seconds > 0);
  type Row = (typeof rows)[number];
  const user = c.points.find((p) => p.user);
  const figures = pointFigures(c, (p) => ({
    ttftP50Seconds: p.ttftSeconds.p50,
    ttftP90Seconds: p.ttftSeconds.p90,
    ttftP99Seconds: p.ttftSeconds.p99,
    tpotP50Seconds: p.tpotSeconds.p50,
    tpotP90Seconds: p.tpotSeconds.p90,
    tpotP99Seconds: p.tpotSeconds.p99,
  }));
  return {
    id: 'serving-latency-load',
    title: 'Latency percentiles against load',
    caption: `Time to first token and time per output token (p50, p90, p99) at ${c.points.length} load levels${c.capacityRequestsPerSecond !== undefined ? ` around the estimated capacity of ${c.capacityRequestsPerSecond.toPrecision(3)} requests/s` : `, up to twice the ${c.saturationClients.toLocaleString('en-US')} clients the deployment holds at once`}; both axes are logarithmic for a closed loop, the latency axis for a rate. ${loadPointsWords(c)}`,
    figures,
    plot: {
      width: 900,
      height: 360,
      marginLeft: 64,
      marginRight: 36,
      marginBottom: 44,
      x: { label: loadAxisLabel(c), type: c.axis === 'concurrency' ? 'log' : 'linear', grid: true, ...(c.axis === 'concurrency' ? { base: 2 } : {}) },
      y: { label: 'latency (log scale)', grid: true, ...(rows.length > 0 ? log10SecondsAxis(rows.map((d) => d.seconds)) : {}) },
      fx: { label: null, domain: METRICS.map(([, m]) => m) },
      color: { domain: [...PERCENTILES], range: ['#3b6fd8', '#e08a1e', '#c4342d'] },
      marks: [
        ...(user ? [Plot.ruleX([user.level], { stroke: '#888', strokeDasharray: '4,3' })] : []),
        Plot.line(rows, { x: 'level', y: 'log10Seconds', z: 'percentile', stroke: 'percentile', fx: 'metric', sort: 'level' }),
        // Each line named at its right end (a legend would wrap the <svg> in a <figure>).
        Plot.text(rows, Plot.selectMaxX({ x: 'level', y: 'log10Seconds', z: 'percentile', fx: 'metric', text: 'percentile', fill: 'percentile', dx: 6, textAnchor: 'start', fontSize: 11 })),
        Plot.dot(rows, {
          x: 'level',
          y: 'log10Seconds',
          fill: 'percentile',
          fx: 'metric',
          r: (d: Row) => (d.user ? 5 : 3),
          title: (d: Row) => `${d.metric} ${d.percentile} at ${d.level.toPrecision(3)}: ${(d.seconds * 1e3).toPrecision(3)} ms${d.user ? ' (your load)' : ''}`,
        }),
      ],
    },
  };
}
