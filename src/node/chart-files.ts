/**
 * Charts as files for slides and papers (`--format svg|png --out-dir DIR`): one `<chart id>.svg`
 * or `.png` a chart. Every file is rendered in memory before the first is written, and each is
 * written whole or not at all (output-file.ts), so a failure leaves no half-written chart behind.
 * PNGs come from the same SVG through resvg, with DejaVu Sans (Debian's fonts-dejavu-core) for
 * text, the fonts the SVG names being a browser's.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chartSvgText, type Chart } from '../report/chart.js';
import { ClusterTwinError } from '../errors.js';
import { nodeDocument } from './dom.js';
import { checkOutputFile, writeOutputFile } from './output-file.js';

/** The file formats a chart is written in. */
export const CHART_FILE_FORMATS = ['svg', 'png'] as const;
export type ChartFileFormat = (typeof CHART_FILE_FORMATS)[number];

/** One rendered chart file: its name in the folder and its contents. */
export interface ChartFile {
  name: string;
  data: string | Uint8Array;
}

/** PNG pixels a chart's SVG pixel: 2 keeps text sharp on slides. */
const PNG_SCALE = 2;

/**
 * resvg's native addon, loaded on the first PNG: loading it at import would cost every command of the
 * CLI its start-up time (this module sits under `report`, which the CLI registers).
 */
let resvg: typeof import('@resvg/resvg-js') | undefined;
const loadResvg = (): typeof import('@resvg/resvg-js') => (resvg ??= createRequire(import.meta.url)('@resvg/resvg-js') as typeof import('@resvg/resvg-js'));

/** An SVG's text as PNG bytes on a white background. */
export function svgToPng(svg: string, scale = PNG_SCALE, flag = '--format'): Uint8Array {
  try {
    const r = new (loadResvg().Resvg)(svg, {
      background: 'white',
      fitTo: { mode: 'zoom', value: scale },
      font: { defaultFontFamily: 'DejaVu Sans', loadSystemFonts: true },
    });
    return r.render().asPng();
  } catch (err) {
    throw new ClusterTwinError('invalid_value', flag, `png: the chart could not be rasterised (${(err as Error).message})`);
  }
}

/** Every chart rendered as a file, in memory (nothing written). */
export function renderChartFiles(charts: readonly Chart[], format: ChartFileFormat): ChartFile[] {
  const document = nodeDocument();
  return charts.map((c) => {
    const svg = chartSvgText(c, document);
    return { name: `${c.id}.${format}`, data: format === 'svg' ? svg : svgToPng(svg) };
  });
}

/** Refuses, before any work, an --out-dir that is not an existing folder. */
export function checkOutputDir(dir: string, flag = '--out-dir'): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new ClusterTwinError('output_file', flag, `cannot write into ${dir}: it does not exist (create the folder first)`);
  }
  if (!isDir) throw new ClusterTwinError('output_file', flag, `cannot write into ${dir}: it is not a folder`);
}

/** Renders every chart, then writes each into `dir`; returns the paths written, in chart order. */
export function writeChartFiles(dir: string, charts: readonly Chart[], format: ChartFileFormat, flag = '--out-dir'): string[] {
  checkOutputDir(dir, flag);
  const files = renderChartFiles(charts, format).map((f) => ({ path: join(dir, f.name), data: f.data }));
  // Every path checked before the first is written: a folder where a chart's file should go would
  // otherwise stop the writing halfway.
  for (const f of files) checkOutputFile(f.path, flag);
  for (const f of files) writeOutputFile(f.path, f.data, flag);
  return files.map((f) => f.path);
}
