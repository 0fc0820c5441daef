/**
 * A job of the fleet's workload: what a trace row or the seeded generator gives the scheduler
 * (issue #17). Gang-scheduled: it runs only when all its GPUs are placed at once.
 */

/** Priority classes, lowest first; a higher class may preempt a lower one under the priority scheduler. */
export const JOB_PRIORITIES = ['spot', 'normal', 'high'] as const;
export type JobPriority = (typeof JOB_PRIORITIES)[number];

/** How a trace says a job ended, where it says (Acme, Helios and Philly all record it). */
export const JOB_STATES = ['completed', 'cancelled', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A training job whose speed the step model gives for where it lands (scenario keys, as `simulate` takes them). */
export interface TrainingWork {
  /** Scenario input (model, split, batch, ...), as in a scenario file; `gpus` is the job's. */
  scenario: Record<string, unknown>;
  /** Tokens to train; the job runs until they are done. */
  tokens: number;
}

export interface FleetJob {
  id: string;
  /** Seconds from the start of the simulated window. */
  submitSeconds: number;
  gpus: number;
  /** Wall time the job needs when it runs undisturbed at its nominal placement, seconds (a trace's runtime). */
  durationSeconds: number;
  /** Present for a training job: its duration then follows its placement through the step model. */
  training?: TrainingWork;
  priority: JobPriority;
  tenant: string;
  /** The trace's final state: a cancelled or failed job ends after `durationSeconds` without finishing its work. */
  traceState?: JobState;
}
