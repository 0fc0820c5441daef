/**
 * A boxed table drawn in one pass: the same characters as `table` in
 * format.ts (cli-table3's compact style), for single-line cells. cli-table3
 * lays out row and column spans for every cell against the others, which
 * grows with the square of the rows: 4,000 planner rows took 9 s. This
 * takes milliseconds, so `plan --top 100000` prints as fast as it searches.
 */
import { pc } from './color.js';

const ANSI = /\u001b\[[0-9;]*m/g;

/** Columns a cell takes on a terminal (colour codes take none; every character here is one column wide). */
const visibleWidth = (s: string): number => [...s.replace(ANSI, '')].length;

/** A boxed table with a bold header row; the columns in `alignRight` right-aligned. */
export function boxTable(head: readonly string[], rows: readonly (readonly string[])[], alignRight: readonly number[] = []): string {
  const right = new Set(alignRight);
  const widths = head.map((h, c) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[c] ?? ''))) + 2);
  const rule = (left: string, mid: string, end: string): string => left + widths.map((w) => '─'.repeat(w)).join(mid) + end;
  const line = (cells: readonly string[]): string => {
    const padded = widths.map((w, c) => {
      const text = cells[c] ?? '';
      const fill = ' '.repeat(w - 2 - visibleWidth(text));
      return ` ${right.has(c) ? fill + text : text + fill} `;
    });
    return `│${padded.join('│')}│`;
  };
  const out = [rule('┌', '┬', '┐'), line(head.map((h) => pc.bold(h)))];
  if (rows.length > 0) out.push(rule('├', '┼', '┤'));
  for (const r of rows) out.push(line(r));
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}
