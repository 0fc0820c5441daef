/**
 * A colour key drawn with Plot marks inside the chart's own <svg> (Plot's
 * own swatch legend is HTML beside the SVG, which the SVG and PNG exports
 * would lose). Entries sit in the top margin, left to right, wrapping.
 */
import * as Plot from '@observablehq/plot';

/** One entry of a key: its label and its colour. */
export interface KeyEntry {
  label: string;
  color: string;
}

/** Pixels per key row, for the chart's marginTop. */
export const KEY_ROW_PX = 16;

/** How many rows the key takes at `perRow` entries a row. */
export const keyRows = (entries: number, perRow: number): number => Math.ceil(entries / perRow);

/** Marks drawing the key in the top margin, `perRow` entries of `columnPx` pixels each a row. */
export function keyMarks(entries: readonly KeyEntry[], opts: { perRow: number; columnPx: number; marginTop: number }): Plot.Markish[] {
  const marks: Plot.Markish[] = [];
  entries.forEach((e, i) => {
    const dx = (i % opts.perRow) * opts.columnPx;
    const dy = -opts.marginTop + 8 + Math.floor(i / opts.perRow) * KEY_ROW_PX;
    marks.push(Plot.dot([e], { frameAnchor: 'top-left', dx: dx + 5, dy, r: 4.5, fill: e.color, symbol: 'square', stroke: null }));
    marks.push(Plot.text([e], { frameAnchor: 'top-left', dx: dx + 13, dy, text: (d: KeyEntry) => d.label, textAnchor: 'start', lineAnchor: 'middle', fontSize: 11 }));
  });
  return marks;
}
