/**
 * The one parser for a command's own numeric flags (the scenario's are checked by its schema):
 * counts with decimal suffixes (`1e6`, `16k`, `1,024`), durations (`90s`, `20m`, `2d`), each
 * within a stated range, failing with one line that names the flag, the range and the value.
 */
import { ClusterTwinError, echo } from '../errors.js';
import { parseCount } from '../units.js';
import { parseDurationSeconds } from '../reliability/duration.js';
import { boundText } from '../config/bounds.js';

export interface FlagRange {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** The minimum itself is not allowed (a factor above 0). */
  exclusiveMin?: boolean;
  /** What the number is, for the message: "days", "trials". */
  unit?: string;
}

function rangeWords(r: FlagRange): string {
  const kind = r.integer ? 'a whole number' : 'a number';
  const from = r.exclusiveMin ? `above ${boundText(r.min)}` : `from ${boundText(r.min)}`;
  return `${kind}${r.unit ? ` of ${r.unit}` : ''} ${from} ${r.exclusiveMin ? 'and at most' : 'to'} ${boundText(r.max)}`;
}

function check(x: number, raw: unknown, flag: string, r: FlagRange, what: string): number {
  const ok = Number.isFinite(x) && (r.exclusiveMin ? x > r.min : x >= r.min) && x <= r.max && (!r.integer || Number.isInteger(x));
  if (!ok) throw new ClusterTwinError(Number.isFinite(x) ? 'out_of_range' : 'invalid_value', flag, `expected ${what}, got ${echo(raw)}`);
  return x;
}

/** A count or number flag: `1e6`, `16k`, `0.5`, `-3` (when the range allows it). */
export function numberFlag(raw: unknown, flag: string, r: FlagRange): number {
  const text = String(raw).trim();
  const negative = text.startsWith('-');
  const x = parseCount(negative ? text.slice(1) : text);
  return check(negative ? -x : x, raw, flag, r, rangeWords(r));
}

/** A duration flag: seconds, or `45s`, `20m`, `1.5h`, `2d`, `1w`, within [min, max] seconds. */
export function durationFlag(raw: unknown, flag: string, r: FlagRange): number {
  const x = parseDurationSeconds(String(raw));
  const words = `a duration such as 600, 45s, 20m, 1.5h or 2d, ${r.exclusiveMin ? 'above' : 'from'} ${formatSeconds(r.min)} to ${formatSeconds(r.max)}`;
  return check(x, raw, flag, r, words);
}

const formatSeconds = (s: number): string => (s === 0 ? '0' : s % 86_400 === 0 ? `${s / 86_400}d` : `${s}s`);
