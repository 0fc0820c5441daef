/**
 * Field parsers shared by the trace readers. Each names the file, the line and the field it
 * rejects, and what is allowed (src/errors.ts: the CLI prints `error: <path>: <detail>`).
 */
import { ClusterTwinError, echo } from '../../errors.js';
import { JOB_PRIORITIES, JOB_STATES, type JobPriority, type JobState } from '../job.js';

/** Where a value came from: file, 1-based line, field name. */
export interface FieldAt {
  path: string;
  line: number;
  field: string;
}

export const fieldPath = (at: FieldAt): string => `${at.path}:${at.line}:${at.field}`;

export const bad = (at: FieldAt, detail: string): ClusterTwinError => new ClusterTwinError('invalid_value', fieldPath(at), detail);

/** A whole number >= min (GPU counts). */
export function wholeNumber(at: FieldAt, raw: unknown, min: number): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < min) throw bad(at, `must be a whole number >= ${min}; got ${echo(raw === undefined ? '' : raw)}`);
  return n;
}

/** A finite number >= 0 (seconds, tokens). */
export function nonNegative(at: FieldAt, raw: unknown): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(n) || n < 0) throw bad(at, `must be a number >= 0; got ${echo(raw === undefined ? '' : raw)}`);
  return n;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Seconds since the Unix epoch of an ISO 8601 / SQL-style time ("2023-03-01 00:18:22+08:00",
 * "2020-06-09T18:41:01Z"). A time without an offset is read as UTC, never as the machine's local
 * time, so the same file gives the same answer everywhere (Helios and Philly write no offset).
 */
export function epochSeconds(at: FieldAt, raw: unknown): number {
  const m = typeof raw === 'string' ? TIME.exec(raw.trim()) : null;
  if (!m) throw bad(at, `must be a time like 2023-03-01 00:18:22+08:00 (ISO 8601; no offset means UTC); got ${echo(raw ?? '')}`);
  const [, y, mo, d, h, mi, s, off] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), 0) + Number(s ?? 0) * 1000;
  let offsetMinutes = 0;
  if (off && off.toUpperCase() !== 'Z') {
    const digits = off.slice(1).replace(':', '');
    offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * (off[0] === '-' ? -1 : 1);
  }
  const seconds = ms / 1000 - offsetMinutes * 60;
  if (!Number.isFinite(seconds) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59) throw bad(at, `is not a valid time; got ${echo(raw)}`);
  return seconds;
}

/** A priority class of src/fleet/job.ts; empty gives `normal`. */
export function priority(at: FieldAt, raw: unknown): JobPriority {
  if (raw === undefined || raw === null || raw === '') return 'normal';
  const v = String(raw).trim().toLowerCase();
  if ((JOB_PRIORITIES as readonly string[]).includes(v)) return v as JobPriority;
  throw bad(at, `must be one of ${JOB_PRIORITIES.join(', ')}; got ${echo(raw)}`);
}

/** A final state of src/fleet/job.ts; empty gives none. */
export function state(at: FieldAt, raw: unknown): JobState | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const v = String(raw).trim().toLowerCase();
  if ((JOB_STATES as readonly string[]).includes(v)) return v as JobState;
  throw bad(at, `must be one of ${JOB_STATES.join(', ')} (or empty); got ${echo(raw)}`);
}

/**
 * A Slurm final state as Acme and Helios record it. Both traces' READMEs: TIMEOUT and NODE_FAIL are
 * rare and counted as failed; Slurm writes "CANCELLED by <uid>" for a user's cancel. Helios has one
 * SUSPENDED job (its README says it is ignored): it keeps no state here.
 */
export function slurmState(at: FieldAt, raw: unknown): JobState | undefined {
  const v = String(raw ?? '').trim().toUpperCase();
  if (v === 'COMPLETED') return 'completed';
  if (v === 'CANCELLED' || v.startsWith('CANCELLED ')) return 'cancelled';
  if (v === 'FAILED' || v === 'TIMEOUT' || v === 'NODE_FAIL' || v === 'OUT_OF_MEMORY') return 'failed';
  if (v === 'SUSPENDED') return undefined;
  throw bad(at, `must be a Slurm final state: COMPLETED, CANCELLED, FAILED, TIMEOUT, NODE_FAIL or SUSPENDED; got ${echo(raw ?? '')}`);
}
