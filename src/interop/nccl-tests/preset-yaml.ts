/**
 * The calibrated system preset as YAML: the base preset's own file with the fitted fields replaced
 * (its other figures and their source comments kept), each fitted field carrying a comment with
 * the file(s) it came from, their sha256, the sizes used and the fit's residual.
 */
import { isScalar, parseDocument, stringify } from 'yaml';
import { formatBytesShort } from '../../units.js';
import type { FieldFit, SystemCalibration } from './calibrate.js';

/** Decimal places kept for each field (a fraction to 0.1 per mille; a latency to 10 ns). */
const DIGITS: Record<string, number> = { 'fabric.nicLatencyMicroseconds': 2 };

const sizeRange = (sizes: number[]): string =>
  sizes.length === 0 ? 'no sizes' : sizes.length === 1 ? formatBytesShort(sizes[0]) : `${formatBytesShort(Math.min(...sizes))}-${formatBytesShort(Math.max(...sizes))} (${sizes.length} sizes)`;

/** The comment beside a fitted field. */
export function fitComment(fit: FieldFit): string {
  const from = fit.from.map((f) => `${f.file} (sha256 ${f.sha256}${f.program ? `, ${f.program}` : ''}) at ${sizeRange(f.sizes)}`).join('; ');
  const base = fit.base === undefined ? 'none' : String(fit.base);
  if (fit.keptBase) return ` base preset's value kept: clustertwin calibrate on ${from} fits it as well as any other (residual ${(fit.residualRms * 100).toFixed(1)}% rms)`;
  return ` fitted by clustertwin calibrate to ${from}; residual ${(fit.residualRms * 100).toFixed(1)}% rms, worst ${(fit.worstError * 100).toFixed(1)}%; base preset: ${base}${fit.atBound ? '; AT ITS BOUND' : ''}`;
}

const rounded = (fit: FieldFit): number => Number(fit.value.toFixed(DIGITS[fit.field] ?? 4));

/**
 * The preset text. `baseText` is the base preset's YAML file (its comments carry over); without it
 * (a system given inline) the calibrated spec is written plainly.
 */
export function calibratedPresetYaml(c: SystemCalibration, opts: { name: string; baseText?: string; baseInput?: unknown }): string {
  const doc = parseDocument(opts.baseText ?? stringify(opts.baseInput ?? {}));
  doc.set('name', opts.name);
  const description = doc.get('description');
  doc.set('description', `${typeof description === 'string' ? description : c.baseName}; calibrated to nccl-tests runs`);
  for (const fit of c.fits) {
    const path = fit.field.split('.');
    doc.setIn(path, rounded(fit));
    const node = doc.getIn(path, true);
    if (isScalar(node)) node.comment = fitComment(fit);
  }
  const files = [...new Map(c.runs.map((r) => [r.file, r.sha256])).entries()].map(([f, h]) => `#   ${f} sha256 ${h}`);
  const header = [
    ` Calibrated by clustertwin calibrate --nccl-tests from ${c.baseName}: the fields marked "fitted" reproduce`,
    ' these nccl-tests runs (docs/interop/nccl-tests.md); every other figure is the base preset\'s.',
    ...files.map((l) => l.slice(1)),
  ].join('\n');
  doc.commentBefore = doc.commentBefore ? `${header}\n\n${doc.commentBefore}` : header;
  return doc.toString({ lineWidth: 0 });
}
