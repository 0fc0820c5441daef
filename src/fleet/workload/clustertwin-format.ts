/**
 * clustertwin's own trace format, as CSV with a header or as JSON lines (one object a line), the
 * same field names in both (docs/sources/workload.md):
 *   id            optional; `job-<row>` when absent
 *   submit        seconds from the window's start, or an ISO 8601 time (all rows alike); aliases
 *                 submit_seconds, submit_time. Times are made relative to the earliest.
 *   gpus          whole number >= 1
 *   duration_seconds  the job's undisturbed wall time; needed unless the row is a training job
 *   model, tokens a training job: its speed follows its placement through the step model. Every
 *                 other field of the row (tp, pp, ep, gbs, seq, system, ...) is a scenario key, as
 *                 `clustertwin simulate` takes them; JSON may instead give them as a `scenario` object.
 *   priority      spot | normal | high (default normal)
 *   tenant        any name (default "default")
 *   state         completed | cancelled | failed, or empty
 */
import { echo } from '../../errors.js';
import type { FleetJob } from '../job.js';
import type { CsvTable } from './csv.js';
import { bad, epochSeconds, nonNegative, priority, state, wholeNumber, type FieldAt } from './fields.js';
import type { JsonRecord } from './philly.js';

const SUBMIT_NAMES = ['submit', 'submit_seconds', 'submit_time'] as const;
/** Fields of the format itself; anything else on a training row is a scenario key. */
const OWN_FIELDS = new Set<string>(['id', ...SUBMIT_NAMES, 'gpus', 'duration_seconds', 'model', 'tokens', 'priority', 'tenant', 'state', 'scenario']);

/** A header is clustertwin's when it names `gpus` and a submit field. */
export const isClustertwinHeader = (header: readonly string[]): boolean =>
  header.includes('gpus') && SUBMIT_NAMES.some((n) => header.includes(n));

const isBlank = (v: unknown): boolean => v === undefined || v === null || v === '';

/** A CSV cell as a scenario value: number, boolean or text. */
function cellValue(raw: string): unknown {
  const t = raw.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
}

/** Reads one row (CSV fields or a JSON object) into a job; submit stays as written (seconds or epoch). */
function readRow(path: string, line: number, row: Record<string, unknown>, index: number, fromCsv: boolean): { job: FleetJob; isTime: boolean } {
  const at = (field: string): FieldAt => ({ path, line, field });
  const submitName = SUBMIT_NAMES.find((n) => !isBlank(row[n]));
  if (!submitName) throw bad(at('submit'), 'is required: seconds from the start, or an ISO 8601 time');
  const rawSubmit = row[submitName];
  const isTime = typeof rawSubmit === 'string' && /^\d{4}-\d{2}-\d{2}/.test(rawSubmit.trim());
  const submitSeconds = isTime ? epochSeconds(at(submitName), rawSubmit) : nonNegative(at(submitName), rawSubmit);
  const gpus = wholeNumber(at('gpus'), row.gpus, 1);
  const job: FleetJob = {
    id: isBlank(row.id) ? `job-${index + 1}` : String(row.id),
    submitSeconds,
    gpus,
    durationSeconds: 0,
    priority: priority(at('priority'), row.priority),
    tenant: isBlank(row.tenant) ? 'default' : String(row.tenant),
  };
  const traceState = state(at('state'), row.state);
  if (traceState) job.traceState = traceState;
  if (!isBlank(row.model)) {
    if (isBlank(row.tokens)) throw bad(at('tokens'), 'is required for a training job (a row with a model): the tokens it trains');
    const tokens = nonNegative(at('tokens'), row.tokens);
    let scenario: Record<string, unknown> = {};
    if (!isBlank(row.scenario)) {
      if (typeof row.scenario !== 'object' || Array.isArray(row.scenario)) throw bad(at('scenario'), 'must be an object of scenario keys (tp, pp, gbs, ...)');
      scenario = { ...(row.scenario as Record<string, unknown>) };
    }
    for (const [k, v] of Object.entries(row)) {
      if (OWN_FIELDS.has(k) || isBlank(v)) continue;
      scenario[k] = fromCsv ? cellValue(String(v)) : v;
    }
    scenario.model = fromCsv ? String(row.model).trim() : row.model;
    scenario.gpus = gpus;
    job.training = { scenario, tokens };
    // A nominal wall time may come with it; without one the step model gives it.
    if (!isBlank(row.duration_seconds)) job.durationSeconds = nonNegative(at('duration_seconds'), row.duration_seconds);
  } else {
    if (isBlank(row.duration_seconds)) throw bad(at('duration_seconds'), 'is required unless the row is a training job (model and tokens)');
    job.durationSeconds = nonNegative(at('duration_seconds'), row.duration_seconds);
  }
  return { job, isTime };
}

function readRows(path: string, rows: { line: number; row: Record<string, unknown> }[], fromCsv: boolean): FleetJob[] {
  const jobs: FleetJob[] = [];
  let firstKind: { isTime: boolean; line: number } | undefined;
  rows.forEach(({ line, row }, i) => {
    const { job, isTime } = readRow(path, line, row, i, fromCsv);
    if (!firstKind) firstKind = { isTime, line };
    else if (firstKind.isTime !== isTime) {
      throw bad({ path, line, field: 'submit' }, `must be ${firstKind.isTime ? 'a time' : 'seconds'} like line ${firstKind.line}: a trace uses one or the other`);
    }
    jobs.push(job);
  });
  return jobs;
}

export function readClustertwinCsv(path: string, table: CsvTable): FleetJob[] {
  return readRows(path, table.rows.map(({ line, fields }) => ({ line, row: fields })), true);
}

export function readClustertwinJson(path: string, records: JsonRecord[]): FleetJob[] {
  return readRows(
    path,
    records.map(({ line, value }) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw bad({ path, line, field: 'job' }, `must be a JSON object {submit, gpus, duration_seconds, ...}; got ${echo(JSON.stringify(value))}`);
      }
      return { line, row: value as Record<string, unknown> };
    }),
    false,
  );
}
