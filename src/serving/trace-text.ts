/**
 * A request trace's text (CSV with a header, or JSON lines) as a request table, for
 * `serve --trace` (the file is read in src/node/trace-file.ts; no file system here).
 *
 * Each request gives its arrival, prompt tokens and output tokens, under either of two sets of
 * names (any order, case-insensitive, other columns ignored):
 *
 *   arrival_s,prompt_tokens,output_tokens     arrival in seconds from the start (a number >= 0)
 *   TIMESTAMP,ContextTokens,GeneratedTokens   the Azure LLM inference traces' schema
 *                                             (Azure/AzurePublicDataset, AzureLLMInferenceDataset2023.md):
 *                                             a date-time, "2023-11-16 18:17:03.9799600", taken as
 *                                             seconds after the trace's earliest one
 *
 * A JSON-lines file holds one object a line with the same names as keys. A bad row is one line of
 * error naming the file, the line, the column and what is allowed.
 */
import { ClusterTwinError, echo } from '../errors.js';
import { BOUNDS, MAX_TRACE_ROWS } from '../config/bounds.js';
import type { RequestTable } from './arrivals.js';

/** The accepted names of each field, lower case: ours first, then the Azure traces'. */
const NAMES = {
  arrival: ['arrival_s', 'timestamp'],
  prompt: ['prompt_tokens', 'contexttokens'],
  output: ['output_tokens', 'generatedtokens'],
} as const;
type Field = keyof typeof NAMES;
const FIELDS: readonly Field[] = ['arrival', 'prompt', 'output'];
const MAX_TOKENS = BOUNDS.seq.max;

/** "2023-11-16 18:17:03.9799600" (or with a T, and a trailing Z): the Azure traces' timestamps, read as UTC. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)Z?$/;

/** Seconds since 1970 of a date-time, or NaN. */
function dateTimeSeconds(text: string): number {
  const m = DATE_TIME.exec(text);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return Number.NaN;
  const s = Number(m[6]);
  if (!(s < 61)) return Number.NaN;
  // Whole minutes through Date.UTC, the seconds added apart, so the 100 ns digits are kept.
  return Date.UTC(y, mo - 1, d, h, mi, 0) / 1000 + s;
}

/** A CSV cell without its spaces and one pair of double quotes ("4808" is 4808). */
function unquote(c: string): string {
  const t = c.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

interface Sink {
  at: Float64Array;
  prompt: Int32Array;
  output: Int32Array;
  n: number;
}

function grow(s: Sink): void {
  const c = s.at.length * 2;
  const at = new Float64Array(c);
  at.set(s.at);
  const p = new Int32Array(c);
  p.set(s.prompt);
  const o = new Int32Array(c);
  o.set(s.output);
  Object.assign(s, { at, prompt: p, output: o });
}

/** Parses a trace's text; `file` names it in errors. Requests come out sorted by arrival (stable). */
export function parseTrace(text: string, file: string, maxRows = MAX_TRACE_ROWS): RequestTable {
  const fail = (line: number, col: number, why: string): never => {
    throw new ClusterTwinError('invalid_value', 'trace', `${file}:${line}${col > 0 ? `:${col}` : ''}: ${why}`);
  };
  const sink: Sink = { at: new Float64Array(1024), prompt: new Int32Array(1024), output: new Int32Array(1024), n: 0 };
  let dated: boolean | undefined;
  /** Checks one row's three values and keeps them; `where(f)` is the column of field f, for errors. */
  const keep = (line: number, raw: Record<Field, unknown>, name: Record<Field, string>, where: (f: Field) => number): void => {
    if (sink.n >= maxRows) fail(line, 0, `more than ${maxRows.toLocaleString('en-US')} requests; cut the trace (a day of busy traffic is fewer)`);
    const isDated = name.arrival.toLowerCase() === 'timestamp';
    if (dated !== undefined && dated !== isDated) fail(line, where('arrival'), 'mixes date-times (TIMESTAMP) and seconds (arrival_s); use one');
    const a = raw.arrival;
    const at = isDated ? (typeof a === 'string' ? dateTimeSeconds(a.trim()) : Number.NaN) : typeof a === 'number' ? a : typeof a === 'string' && a.trim() !== '' ? Number(a) : Number.NaN;
    if (!Number.isFinite(at) || at < 0) {
      fail(line, where('arrival'), `${name.arrival}: expected ${isDated ? 'a date-time such as "2023-11-16 18:17:03.9799600"' : 'seconds from the start, a number >= 0'}, got ${echo(a)}`);
    }
    const count = (f: 'prompt' | 'output'): number => {
      const v = raw[f];
      const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      if (!Number.isInteger(x) || x < 1 || x > BOUNDS.seq.max) fail(line, where(f), `${name[f]}: expected a whole number of tokens from 1 to ${BOUNDS.seq.max.toLocaleString('en-US')}, got ${echo(v)}`);
      return x;
    };
    const p = count('prompt');
    const o = count('output');
    if (sink.n === sink.at.length) grow(sink);
    sink.at[sink.n] = at;
    sink.prompt[sink.n] = p;
    sink.output[sink.n] = o;
    sink.n++;
    dated = isDated;
  };

  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  let header: { index: Record<Field, number>; name: Record<Field, string>; width: number; dated: boolean } | undefined;
  let jsonLines: boolean | undefined;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const row = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    pos = end + 1;
    line++;
    if (row.length === 0 || (row.charCodeAt(0) <= 32 && row.trim() === '')) continue;
    if (jsonLines === undefined) jsonLines = row.trimStart().startsWith('{');
    if (jsonLines) {
      let obj: unknown;
      try {
        obj = JSON.parse(row);
      } catch (err) {
        fail(line, 1, `not a JSON object: ${(err as Error).message}`);
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) fail(line, 1, 'expected a JSON object a line');
      const byLower = new Map(Object.keys(obj as object).map((k) => [k.toLowerCase(), k]));
      const name = {} as Record<Field, string>;
      const raw = {} as Record<Field, unknown>;
      for (const f of FIELDS) {
        const key = NAMES[f].map((n) => byLower.get(n)).find((k) => k !== undefined);
        if (key === undefined) fail(line, 1, `needs the key ${NAMES[f][0]} (or ${NAMES[f][1]})`);
        name[f] = key!;
        raw[f] = (obj as Record<string, unknown>)[key!];
      }
      keep(line, raw, name, () => 1);
      continue;
    }
    const cells = row.split(',');
    if (!header) {
      const lower = cells.map((c) => unquote(c).toLowerCase());
      const index = {} as Record<Field, number>;
      const name = {} as Record<Field, string>;
      for (const f of FIELDS) {
        const i = lower.findIndex((c) => (NAMES[f] as readonly string[]).includes(c));
        if (i < 0) fail(line, 0, `the header needs the columns arrival_s, prompt_tokens, output_tokens (or the Azure traces' TIMESTAMP, ContextTokens, GeneratedTokens); got ${echo(row)}`);
        index[f] = i;
        name[f] = unquote(cells[i]);
      }
      header = { index, name, width: cells.length, dated: name.arrival.toLowerCase() === 'timestamp' };
      continue;
    }
    if (cells.length !== header.width) fail(line, 0, `expected ${header.width} comma-separated values, as the header has, got ${cells.length}`);
    const h = header;
    // The common row, checked inline (a million rows a second matters here); anything else goes
    // through keep, which unquotes, checks again and names what is wrong.
    const a = cells[h.index.arrival];
    const pc = cells[h.index.prompt];
    const oc = cells[h.index.output];
    const at = h.dated ? dateTimeSeconds(a) : a.length > 0 ? +a : Number.NaN;
    const p = pc.length > 0 ? +pc : Number.NaN;
    const o = oc.length > 0 ? +oc : Number.NaN;
    if (at >= 0 && at < Infinity && Number.isInteger(p) && p >= 1 && p <= MAX_TOKENS && Number.isInteger(o) && o >= 1 && o <= MAX_TOKENS && sink.n < maxRows) {
      if (sink.n === sink.at.length) grow(sink);
      sink.at[sink.n] = at;
      sink.prompt[sink.n] = p;
      sink.output[sink.n] = o;
      sink.n++;
      dated = h.dated;
      continue;
    }
    const col = (f: Field): number => {
      let c = 1;
      for (let i = 0; i < h.index[f]; i++) c += cells[i].length + 1;
      return c;
    };
    keep(line, { arrival: unquote(cells[h.index.arrival]), prompt: unquote(cells[h.index.prompt]), output: unquote(cells[h.index.output]) }, h.name, col);
  }
  if (sink.n === 0) fail(line || 1, 0, header ? 'holds a header and no requests' : 'holds no requests');
  return sortedTable(sink, dated === true);
}

/** The rows as a table in arrival order (stable); date-times as seconds after the earliest. */
function sortedTable(s: Sink, dated: boolean): RequestTable {
  const n = s.n;
  let first = Infinity;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    if (s.at[i] < first) first = s.at[i];
    if (i > 0 && s.at[i] < s.at[i - 1]) sorted = false;
  }
  const shift = dated ? first : 0;
  const at = new Float64Array(n);
  const prompt = new Int32Array(n);
  const output = new Int32Array(n);
  const order = sorted ? null : Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => s.at[a] - s.at[b] || a - b);
  for (let j = 0; j < n; j++) {
    const i = order ? order[j] : j;
    at[j] = s.at[i] - shift;
    prompt[j] = s.prompt[i];
    output[j] = s.output[i];
  }
  return { arrivalSeconds: at, promptTokens: prompt, outputTokens: output };
}
