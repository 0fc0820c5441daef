import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stepBreakdownChart } from '../report/charts/step-breakdown.js';
import { checkOutputDir, renderChartFiles, svgToPng, writeChartFiles } from './chart-files.js';

const dir = mkdtempSync(join(tmpdir(), 'ct-chart-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const breakdown = { computeSeconds: 1, recomputeSeconds: 0.2, optimizerSeconds: 0.1, tpCommSeconds: 0.3, cpCommSeconds: 0, epCommSeconds: 0, ppCommSeconds: 0.05, dpCommSeconds: 0.1, bubbleSeconds: 0.4 };
const chart = stepBreakdownChart({ breakdown, stepTimeSeconds: 2.15, criticalStage: 0 } as Parameters<typeof stepBreakdownChart>[0]);

/** A PNG's width and height from its IHDR chunk. */
const pngSize = (b: Uint8Array): [number, number] => {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return [v.getUint32(16), v.getUint32(20)];
};

describe('chart files', () => {
  it('renders a PNG at twice the SVG size, with text drawn (not blank)', () => {
    const [file] = renderChartFiles([chart], 'svg');
    const svg = file.data as string;
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    const height = Number(/height="(\d+)"/.exec(svg)![1]);
    const png = svgToPng(svg);
    expect(pngSize(png)).toEqual([2 * width, 2 * height]);
    // A blank chart compresses to almost nothing; bars, axes and labels do not.
    expect(png.length).toBeGreaterThan(5000);
  });

  it('writes one file a chart into an existing folder, named by the chart id', () => {
    expect(writeChartFiles(dir, [chart], 'svg')).toEqual([join(dir, 'step-breakdown.svg')]);
    expect(readFileSync(join(dir, 'step-breakdown.svg'), 'utf8')).toMatch(/^<svg /);
    writeChartFiles(dir, [chart], 'png');
    expect(readdirSync(dir).sort()).toEqual(['step-breakdown.png', 'step-breakdown.svg']);
  });

  it('refuses a folder that is not there, or a file, naming the flag', () => {
    expect(() => checkOutputDir(join(dir, 'nope'))).toThrow(/does not exist/);
    expect(() => writeChartFiles(join(dir, 'step-breakdown.svg'), [chart], 'svg', '--charts')).toThrow(/not a folder/);
  });
});
