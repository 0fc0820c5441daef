/**
 * Terminal formatting shared by the commands: tables, percentages, headings.
 */
import Table from 'cli-table3';
import { pc } from './color.js';
import { formatInt, formatPercent, formatUsd } from '../units.js';

// The number formats live with the units (browser-safe, shared with the page and the report).
export const pct = formatPercent;
export const usd = formatUsd;
export const int = formatInt;

export const heading = (s: string): string => pc.bold(s);

/** A borderless two-column table of label/value rows. */
export function keyValues(rows: Array<[string, string]>): string {
  const t = new Table({
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '  ', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [] },
  });
  for (const r of rows) t.push(r);
  return trimLines(t.toString());
}

// eslint-disable-next-line no-control-regex
const visibleLength = (s: string): number => s.replace(/\x1b\[[0-9;]*m/g, '').length;

/**
 * Borderless rows laid out as keyValues lays them, where a row may have more cells than two: each
 * column is as wide as its widest cell among the rows that go on past it, so a long last cell (a
 * note) does not push the columns of the other rows apart.
 */
export function columns(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows
    .map((r) => `  ${r.map((cell, i) => (i < r.length - 1 ? cell + ' '.repeat(widths[i] - visibleLength(cell)) : cell)).join('  ')}`.replace(/\s+$/, ''))
    .join('\n');
}

const trimLines = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n');

/**
 * Labelled durations as a table of value and share of `total`, leaving out the ones that are zero
 * (where a step's or a run's time goes).
 */
export function shareTable(head: [string, string, string], parts: ReadonlyArray<[string, number]>, total: number, format: (seconds: number) => string): string {
  return table(head, parts.filter(([, v]) => v > 0).map(([k, v]) => [k, format(v), pct(v / total)]), [1, 2]);
}

/** A boxed table with a header row; numeric columns right-aligned. */
export function table(head: string[], rows: string[][], alignRight: number[] = []): string {
  const t = new Table({
    head: head.map((h) => pc.bold(h)),
    style: { head: [], border: [], compact: true },
    colAligns: head.map((_, i) => (alignRight.includes(i) ? 'right' : 'left')),
  });
  for (const r of rows) t.push(r);
  return t.toString();
}
