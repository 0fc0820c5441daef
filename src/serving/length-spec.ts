/**
 * The text form of a length distribution, as `serve --isl` and `--osl` take it (docs/serving.md):
 *
 *   1024                   every request the same length (2k, 1,024 and 1e3 work too)
 *   uniform:512-2048       whole numbers from 512 to 2048, each as likely
 *   normal:1024,256        mean 1024, standard deviation 256, rounded, clamped to 1..mean+4 sd
 *   normal:1024,256,64-4096  the same, clamped to 64..4096
 *   choice:128,512,2048    one of the list, each as likely
 *
 * A normal is clamped because it has no bound of its own, and the context and KV-cache checks
 * need each request's longest length; 4 standard deviations leave out about 3 draws in 100,000.
 */
import { ClusterTwinError, echo } from '../errors.js';
import { BOUNDS } from '../config/bounds.js';
import { parseCount } from '../units.js';
import { lengthRange, type LengthDistribution } from './arrivals.js';

/** The most values a `choice:` list takes: a handful of lengths, not a trace (use --trace). */
export const MAX_CHOICE_LENGTHS = 64;

/** How many standard deviations above the mean a normal's default clamp sits. */
export const NORMAL_CLAMP_SDS = 4;

const SYNTAX = 'a number of tokens (1024) or uniform:MIN-MAX, normal:MEAN,SD[,MIN-MAX] or choice:A,B,...';

/** Parses `--isl`/`--osl` text; `flag` names the field in the one-line error. */
export function parseLengthSpec(raw: unknown, flag: string): LengthDistribution {
  const text = String(raw).trim();
  const fail = (why = ''): never => {
    throw new ClusterTwinError('invalid_value', flag, `expected ${SYNTAX}${why ? ` (${why})` : ''}, got ${echo(raw)}`);
  };
  const tokens = (t: string, what: string, min = 1): number => {
    const x = parseCount(t.trim());
    if (!Number.isFinite(x)) fail(`${what} is not a number`);
    if (!Number.isInteger(x) || x < min || x > BOUNDS.seq.max) fail(`${what} must be a whole number from ${min} to ${BOUNDS.seq.max.toLocaleString('en-US')}`);
    return x;
  };
  const range = (t: string): { minTokens: number; maxTokens: number } => {
    const m = /^([^-]+)-([^-]+)$/.exec(t.trim());
    if (!m) fail('a range is MIN-MAX');
    const [minTokens, maxTokens] = [tokens(m![1], 'MIN'), tokens(m![2], 'MAX')];
    if (minTokens > maxTokens) fail('MIN is above MAX');
    return { minTokens, maxTokens };
  };
  const colon = text.indexOf(':');
  if (colon < 0) return { kind: 'fixed', tokens: tokens(text, 'the length') };
  const kind = text.slice(0, colon).toLowerCase();
  const args = text.slice(colon + 1);
  switch (kind) {
    case 'uniform':
      return { kind: 'uniform', ...range(args) };
    case 'normal': {
      const parts = args.split(',');
      if (parts.length !== 2 && parts.length !== 3) fail('normal takes MEAN,SD or MEAN,SD,MIN-MAX');
      const mean = parseCount(parts[0].trim());
      const sd = parseCount(parts[1].trim());
      if (!(mean >= 1 && mean <= BOUNDS.seq.max)) fail(`MEAN must be from 1 to ${BOUNDS.seq.max.toLocaleString('en-US')}`);
      if (!(sd >= 0 && sd <= BOUNDS.seq.max)) fail('SD must be a number >= 0');
      const clamp = parts.length === 3 ? range(parts[2]) : { minTokens: 1, maxTokens: Math.min(BOUNDS.seq.max, Math.max(1, Math.round(mean + NORMAL_CLAMP_SDS * sd))) };
      return { kind: 'normal', meanTokens: mean, sdTokens: sd, ...clamp };
    }
    case 'choice': {
      const list = args.split(',');
      if (list.length > MAX_CHOICE_LENGTHS) fail(`at most ${MAX_CHOICE_LENGTHS} lengths; a longer list is a trace (--trace)`);
      return { kind: 'choice', tokens: list.map((t) => tokens(t, 'each length')) };
    }
    default:
      return fail(`unknown distribution ${echo(kind)}`);
  }
}

/** A distribution in words, for the table: "1,024", "uniform 512-2,048". */
export function describeLength(d: LengthDistribution): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  switch (d.kind) {
    case 'fixed':
      return n(d.tokens);
    case 'uniform':
      return `uniform ${n(d.minTokens)}-${n(d.maxTokens)}`;
    case 'normal':
      return `normal ${n(d.meanTokens)} ± ${n(d.sdTokens)} (${n(d.minTokens)}-${n(d.maxTokens)})`;
    case 'choice': {
      const r = lengthRange(d);
      return `one of ${d.tokens.length} (${n(r.minTokens)}-${n(r.maxTokens)})`;
    }
  }
}
