/**
 * loadTrace: a trace file's text to the fleet's jobs, the format told from the content (and the
 * extension where that settles it):
 *   JSON (text starting with `[` or `{`, or .json/.jsonl/.ndjson): Philly's cluster_job_log when the
 *     objects carry `submitted_time` and `attempts`; otherwise clustertwin's JSON lines (or an array).
 *   CSV with a header: clustertwin's when it names `gpus` and `submit`; Helios's cluster_log.csv when
 *     it has `gpu_num` and `vc`; Acme's trace_seren/trace_kalos.csv when it has `gpu_num` without `vc`.
 * Jobs come sorted by submission, times relative to the first (see normalize.ts).
 */
import { ClusterTwinError } from '../../errors.js';
import type { FleetJob } from '../job.js';
import { isClustertwinHeader, readClustertwinCsv, readClustertwinJson } from './clustertwin-format.js';
import { readCsv } from './csv.js';
import { normalize } from './normalize.js';
import { isPhillyRecord, readPhilly, type JsonRecord } from './philly.js';
import { readSlurmCsv, SLURM_REQUIRED } from './slurm-csv.js';

/** The trace formats loadTrace reads. */
export const TRACE_FORMATS = ['clustertwin-csv', 'clustertwin-jsonl', 'acme', 'helios', 'philly'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** Parses a JSON array (one record per element, at its line) or JSON lines. */
function jsonRecords(path: string, text: string): JsonRecord[] {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      throw new ClusterTwinError('config_file', path, `is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new ClusterTwinError('config_file', path, 'must be a JSON array of jobs or JSON lines');
    // Lines of the array's elements: each top-level object's opening brace, for error messages.
    const lines = elementLines(text);
    return parsed.map((value, i) => ({ line: lines[i] ?? 1, value }));
  }
  const out: JsonRecord[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t === '') return;
    try {
      out.push({ line: i + 1, value: JSON.parse(t) });
    } catch (e) {
      throw new ClusterTwinError('config_file', `${path}:${i + 1}`, `is not a JSON object (JSON lines: one job a line): ${(e as Error).message}`);
    }
  });
  return out;
}

/** The line each element of a top-level JSON array starts on (depth-1 `{` or `[`, outside strings). */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 1) lines.push(line);
      depth++;
    } else if (c === '}' || c === ']') depth--;
  }
  return lines;
}

/** Which format the text is in, or a ClusterTwinError naming what was expected. */
export function detectTraceFormat(path: string, text: string): TraceFormat {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start === '') throw new ClusterTwinError('config_file', path, 'the trace is empty');
  const lower = path.toLowerCase();
  if (start[0] === '[' || start[0] === '{' || /\.(json|jsonl|ndjson)$/.test(lower)) {
    const first = jsonRecords(path, text)[0];
    return first && isPhillyRecord(first.value) ? 'philly' : 'clustertwin-jsonl';
  }
  const header = readCsv(path, text.slice(0, Math.max(0, text.search(/\r?\n/)) || text.length)).header;
  if (isClustertwinHeader(header)) return 'clustertwin-csv';
  if (SLURM_REQUIRED.every((c) => header.includes(c))) return header.includes('vc') ? 'helios' : 'acme';
  throw new ClusterTwinError(
    'config_file',
    `${path}:1`,
    `the header (${header.slice(0, 12).join(', ')}) is no trace format clustertwin reads: clustertwin CSV needs submit and gpus; Acme and Helios need ${SLURM_REQUIRED.join(', ')}; JSON lines or Philly's cluster_job_log start with [ or {`,
  );
}

/**
 * A trace file's jobs. `path` names the file in errors (and its extension may settle the format);
 * `text` is its content. Throws ClusterTwinError naming the line and field on bad input.
 */
export function loadTrace(path: string, text: string): FleetJob[] {
  const format = detectTraceFormat(path, text);
  switch (format) {
    case 'philly':
      return normalize(readPhilly(path, jsonRecords(path, text)));
    case 'clustertwin-jsonl':
      return normalize(readClustertwinJson(path, jsonRecords(path, text)));
    case 'clustertwin-csv':
      return normalize(readClustertwinCsv(path, readCsv(path, text)));
    case 'acme':
    case 'helios':
      return normalize(readSlurmCsv(path, readCsv(path, text), format));
  }
}
