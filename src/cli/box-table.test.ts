import { describe, expect, it } from 'vitest';
import { createColors } from 'picocolors';
import { boxTable } from './box-table.js';
import { table } from './format.js';

const colours = createColors(true);

describe('boxTable', () => {
  it('draws what cli-table3 draws (format.ts table), character for character', () => {
    const head = ['#', 'split', 'step time', 'cost'];
    const rows = [
      ['1', 'TP 4 · PP 8', '16.05 s', '$1.20M'],
      ['2', colours.green('*'), '', '$980.0k'],
      ['10', colours.dim('nothing fits in memory'), '1.2 µs', ''],
    ];
    expect(boxTable(head, rows, [0, 2, 3])).toBe(table(head, rows, [0, 2, 3]));
    expect(boxTable(head, [], [0])).toBe(table(head, [], [0]));
  });

  it('draws many rows in one pass', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [String(i), 'x'.repeat(i % 7)]);
    const lines = boxTable(['#', 'text'], rows, [0]).split('\n');
    expect(lines).toHaveLength(20_000 + 4);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});
