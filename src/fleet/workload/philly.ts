/**
 * Reader for Philly's cluster_job_log (msr-fiddle/philly-traces, README "Schema"): a JSON array (or
 * JSON lines) of jobs {status: Pass|Killed|Failed, vc, jobid, attempts: [{start_time, end_time,
 * detail: [{ip, gpus: [...]}]}], submitted_time, user}.
 * - GPUs: the most any attempt held (the count of `gpus` over its `detail`).
 * - Duration: the sum of the attempts' run times (a retried job ran that long on GPUs).
 * - State: Pass, Killed, Failed as completed, cancelled, failed (AcmeTrace's analysis.ipynb maps them so).
 * - Tenant: the virtual cluster.
 * Dropped, as the README warns they occur: a job with no attempt, an attempt without a start or end
 * time (a logging error), and a job whose last attempt has no end (still running at the snapshot).
 */
import { echo } from '../../errors.js';
import type { FleetJob, JobState } from '../job.js';
import { bad, epochSeconds, type FieldAt } from './fields.js';

const PHILLY_STATUS: Record<string, JobState> = { Pass: 'completed', Killed: 'cancelled', Failed: 'failed' };

export interface JsonRecord {
  line: number;
  value: unknown;
}

export const isPhillyRecord = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && 'submitted_time' in v && 'attempts' in v;

export function readPhilly(path: string, records: JsonRecord[]): FleetJob[] {
  const jobs: FleetJob[] = [];
  for (const { line, value } of records) {
    const at = (field: string): FieldAt => ({ path, line, field });
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(at('job'), 'must be a JSON object with submitted_time, attempts, status');
    const o = value as Record<string, unknown>;
    const status = String(o.status ?? '');
    const traceState = PHILLY_STATUS[status];
    if (!traceState) throw bad(at('status'), `must be one of Pass, Killed, Failed; got ${echo(o.status ?? '')}`);
    if (!Array.isArray(o.attempts)) throw bad(at('attempts'), 'must be a list of attempts (it may be empty)');
    if (o.attempts.length === 0) continue;
    let gpus = 0;
    let durationSeconds = 0;
    let complete = true;
    for (const [k, a] of o.attempts.entries()) {
      const att = (a ?? {}) as Record<string, unknown>;
      if (att.start_time == null || att.end_time == null) {
        complete = false;
        break;
      }
      const start = epochSeconds(at(`attempts[${k}].start_time`), att.start_time);
      const end = epochSeconds(at(`attempts[${k}].end_time`), att.end_time);
      durationSeconds += Math.max(0, end - start);
      if (!Array.isArray(att.detail)) throw bad(at(`attempts[${k}].detail`), 'must be a list of {ip, gpus}');
      let held = 0;
      for (const d of att.detail) {
        const g = (d as Record<string, unknown> | null)?.gpus;
        if (!Array.isArray(g)) throw bad(at(`attempts[${k}].detail.gpus`), 'must be a list of GPU names');
        held += g.length;
      }
      gpus = Math.max(gpus, held);
    }
    if (!complete || gpus === 0) continue;
    jobs.push({
      id: String(o.jobid ?? `line-${line}`),
      submitSeconds: epochSeconds(at('submitted_time'), o.submitted_time),
      gpus,
      durationSeconds,
      priority: 'normal',
      tenant: String(o.vc ?? 'default'),
      traceState,
    });
  }
  return jobs;
}
