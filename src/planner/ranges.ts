/**
 * Lists of values on the command line: `512,1024,4096`, `512..16384` (every
 * power-of-two multiple of the start up to the end: 512, 1024, ..., 16384),
 * `256..2048:256` (an arithmetic step), and mixtures of these separated by
 * commas. Counts accept the usual suffixes (`16K..64K`).
 */
import { ClusterTwinError, echo, invalid } from '../errors.js';
import { rangeText, type Bound } from '../config/bounds.js';
import { parseCount } from '../units.js';

/** The most values one range may expand to (a typo like `1..1e9:1` should fail, not hang). */
export const MAX_RANGE_VALUES = 10_000;

export interface RangeOptions {
  /** Values must be whole numbers (GPU counts, batch sizes). */
  integer?: boolean;
  /** Every value must lie in this bound (src/config/bounds.ts), checked before any is used. */
  bound?: Bound;
}

function value(text: string, path: string, integer: boolean, bound?: Bound): number {
  const v = parseCount(text);
  if (!Number.isFinite(v) || v <= 0) throw invalid(path, `"${text}" is not a positive number`);
  if (integer && !Number.isInteger(v)) throw invalid(path, `"${text}" is not a whole number`);
  if (bound && (v < bound.min || v > bound.max)) throw new ClusterTwinError('out_of_range', path, `${echo(text)} is out of range: expected ${rangeText(bound)}`);
  return v;
}

/** Expands one item: a number, `a..b` (doubling) or `a..b:step`. */
function expand(item: string, path: string, integer: boolean, bound?: Bound): number[] {
  const m = /^(.+?)\.\.(.+?)(?::(.+))?$/.exec(item);
  if (!m) return [value(item, path, integer, bound)];
  const from = value(m[1], path, integer, bound);
  const to = value(m[2], path, integer, bound);
  if (to < from) throw invalid(path, `range ${item} ends before it starts`);
  const step = m[3] === undefined ? undefined : value(m[3], path, integer);
  const out: number[] = [];
  for (let v = from; v <= to * (1 + 1e-12); v = step === undefined ? v * 2 : v + step) {
    out.push(step !== undefined && !integer ? Number(v.toPrecision(12)) : v);
    if (out.length > MAX_RANGE_VALUES) throw invalid(path, `range ${item} has more than ${MAX_RANGE_VALUES} values`);
  }
  return out;
}

/** Parses a list of values; `path` names the flag in errors. Order is kept, repeats dropped. */
export function parseRange(text: string | number, path: string, opts: RangeOptions = {}): number[] {
  const integer = opts.integer ?? false;
  if (typeof text === 'number') return [value(String(text), path, integer, opts.bound)];
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw invalid(path, `"${text}" has an empty item; write a list like 512,1024 or a range like 512..16384`);
  const out: number[] = [];
  for (const item of items) for (const v of expand(item.replace(/_/g, ''), path, integer, opts.bound)) if (!out.includes(v)) out.push(v);
  return out;
}

/** Whether a flag's text lists more than one value. */
export const isList = (text: unknown): boolean => typeof text === 'string' && (text.includes(',') || text.includes('..'));
