/**
 * Readers for the two public Slurm-derived CSV traces, which share one shape:
 * - Acme (InternLM/AcmeTrace, data/job_trace/trace_seren.csv and trace_kalos.csv; README "Schema"):
 *   job_id, user, node_num, gpu_num, cpu_num, [mem_per_pod_GB, shared_mem_per_pod,] type, state,
 *   submit_time, start_time, end_time, [fail_time, stop_time,] duration, queue, gpu_time.
 * - Helios (S-Lab-System-Group/HeliosData, data/<cluster>/cluster_log.csv; README "Schema"):
 *   job_id, user, vc, gpu_num, cpu_num, node_num, state, submit_time, start_time, end_time, duration, queue.
 * `duration` is end_time - start_time in seconds (both READMEs). CPU-only jobs (gpu_num 0) are
 * dropped: the fleet schedules GPUs. The tenant is Helios's virtual cluster, or Acme's user (Acme
 * records no VC). Neither records a priority: every job is `normal`.
 */
import type { FleetJob } from '../job.js';
import type { CsvTable } from './csv.js';
import { epochSeconds, nonNegative, slurmState, wholeNumber, type FieldAt } from './fields.js';

export type SlurmFlavour = 'acme' | 'helios';

export const SLURM_REQUIRED = ['job_id', 'gpu_num', 'state', 'submit_time'] as const;

export function readSlurmCsv(path: string, table: CsvTable, flavour: SlurmFlavour): FleetJob[] {
  const jobs: FleetJob[] = [];
  for (const { line, fields } of table.rows) {
    const at = (field: string): FieldAt => ({ path, line, field });
    const gpus = wholeNumber(at('gpu_num'), fields.gpu_num, 0);
    if (gpus === 0) continue;
    let durationSeconds: number;
    if (fields.duration !== undefined && fields.duration.trim() !== '') durationSeconds = nonNegative(at('duration'), fields.duration);
    else durationSeconds = Math.max(0, epochSeconds(at('end_time'), fields.end_time) - epochSeconds(at('start_time'), fields.start_time));
    const tenant = flavour === 'helios' && fields.vc ? fields.vc : fields.user || 'default';
    const traceState = slurmState(at('state'), fields.state);
    jobs.push({
      id: fields.job_id,
      submitSeconds: epochSeconds(at('submit_time'), fields.submit_time),
      gpus,
      durationSeconds,
      priority: 'normal',
      tenant,
      ...(traceState ? { traceState } : {}),
    });
  }
  return jobs;
}
