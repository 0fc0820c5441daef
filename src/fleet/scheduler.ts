/**
 * Scheduling policies and the pieces the simulation's scheduling pass uses:
 * - fifo: jobs start in submit order; a head that does not fit blocks the rest.
 * - backfill: EASY backfilling (Lifka 1995; Mu'alem and Feitelson 2001): the head gets a
 *   reservation at the earliest time enough nodes free up (the "shadow" time); a later job may
 *   start now if it ends by then or uses only nodes the head will not need.
 * - priority: the queue in priority order (high, normal, spot), then submit; a head that does
 *   not fit preempts running jobs of lower priority (lowest first, most recently started first);
 *   a preempted job goes back to the queue and resumes from its last checkpoint.
 * Every policy honours per-tenant quotas (most GPUs a tenant may hold at once): a job over its
 * tenant's quota waits without blocking the jobs behind it.
 */
import { JOB_PRIORITIES, type JobPriority } from './job.js';

export const SCHEDULERS = ['fifo', 'backfill', 'priority'] as const;
export type SchedulerPolicy = (typeof SCHEDULERS)[number];

/**
 * Most queued jobs a backfill pass tries behind the head. A cap bounds the pass as Slurm's
 * `bf_max_job_test` does (slurm.conf, P); 100 is ours (U). docs/fleet.md.
 */
export const BACKFILL_DEPTH = 100;

export const priorityRank = (p: JobPriority): number => JOB_PRIORITIES.indexOf(p);

/**
 * The queue: job indices ordered by (rank descending, then order key ascending). FIFO and
 * backfill give every job rank 0; the order key is the submit time, so a job requeued after a
 * failure or a preemption goes back where its submit time puts it (near the front).
 */
export class JobQueue {
  /** Job indices in order; -1 marks a removed slot (compacted away now and then). */
  ids: number[] = [];
  private live = 0;
  /** First slot that may be live. */
  start = 0;
  constructor(
    private readonly rank: (j: number) => number,
    private readonly key: (j: number) => number,
  ) {}

  get length(): number {
    return this.live;
  }

  /** True when job `m` goes after job `j`'s place (m is ahead of j). */
  private ahead(m: number, j: number): boolean {
    const rm = this.rank(m);
    const r = this.rank(j);
    return rm > r || (rm === r && (this.key(m) < this.key(j) || (this.key(m) === this.key(j) && m < j)));
  }

  insert(j: number): void {
    this.live++;
    const last = this.ids.length - 1;
    // Arrivals in submit order append; only a requeued or preempted job goes inside.
    if (last < this.start || (this.ids[last]! >= 0 && this.ahead(this.ids[last]!, j))) {
      this.ids.push(j);
      return;
    }
    this.compact();
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ahead(this.ids[mid]!, j)) lo = mid + 1;
      else hi = mid;
    }
    this.ids.splice(lo, 0, j);
  }

  removeAt(i: number): void {
    this.ids[i] = -1;
    this.live--;
    while (this.start < this.ids.length && this.ids[this.start] === -1) this.start++;
  }

  /**
   * Holes behind the head slow every pass over it: compact once they pass a sixteenth of the
   * queue. Called between passes only, as it moves the indices a pass walks.
   */
  tidy(): void {
    if (this.ids.length - this.start - this.live > 256 + (this.live >> 4)) this.compact();
  }

  private compact(): void {
    if (this.start === 0 && this.ids.length === this.live) return;
    this.ids = this.ids.filter((x) => x >= 0);
    this.start = 0;
  }
}

/**
 * EASY backfilling's reservation for a head needing `need` nodes with `free` free now: the
 * earliest end among the running jobs (their expected ends, sorted) at which enough nodes are
 * free, and how many nodes beyond the head's need are free then ("extra" nodes a backfilled job
 * may hold past the shadow time). Infinity when the running jobs never free enough.
 */
export function reservation(need: number, free: number, ends: Float64Array, nodes: Int32Array, count: number): { shadowSeconds: number; extraNodes: number } {
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => ends[a]! - ends[b]!);
  let avail = free;
  for (const i of order) {
    avail += nodes[i]!;
    if (avail >= need) return { shadowSeconds: ends[i]!, extraNodes: avail - need };
  }
  return { shadowSeconds: Infinity, extraNodes: 0 };
}
