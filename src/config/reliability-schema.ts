/**
 * The failure axis of a system: how often each kind of component stops a
 * training job, and what recovering costs. A failure model is data
 * (`presets/reliability/*.yaml`): either a table of interruptions counted on
 * a reference fleet over a period (Llama 3's root-cause table) or rates per
 * unit-hour, plus detection, restart and repair times. `extends` reuses
 * another model's table, `rateScale` scales every rate of it.
 */
import { z } from 'zod';

/** The units a failure rate is counted per; the job's own counts of each scale it. */
export const FAILURE_COMPONENTS = ['gpu', 'node', 'nic', 'fabricLink', 'job'] as const;
export type FailureComponent = (typeof FAILURE_COMPONENTS)[number];

/** How a failure shows itself: a process dies (found at once) or the job hangs (found by a timeout). */
export const DETECTIONS = ['crash', 'hang'] as const;

const positive = () => z.number().positive();
const nonnegative = () => z.number().nonnegative();

export const FailureCauseSchema = z
  .object({
    /** Short key, e.g. `faulty-gpu`. */
    name: z.string(),
    /** What reports call it, e.g. `Faulty GPU`. */
    label: z.string(),
    component: z.enum(FAILURE_COMPONENTS),
    /** Interruptions counted on the reference fleet (`observed`) over its period. */
    count: nonnegative().optional(),
    /** Or: interruptions per unit per hour. */
    perUnitHour: nonnegative().optional(),
    detection: z.enum(DETECTIONS).default('crash'),
    /** Recovery needs another node (a hot spare, or the failed one back from repair). */
    replacesNode: z.boolean().default(false),
    /** A planned stop: the job saves a checkpoint first and loses no work. */
    planned: z.boolean().default(false),
  })
  .strict()
  .refine((c) => (c.count === undefined) !== (c.perUnitHour === undefined), { message: 'give either count or perUnitHour' });

/** The fleet a cause table was counted on: its size in each component, and the period. */
export const ObservedFleetSchema = z
  .object({
    hours: positive(),
    gpus: positive(),
    nodes: positive(),
    nics: positive(),
    fabricLinks: positive(),
  })
  .strict();

/** A slow GPU or link that slows the whole synchronous job until it is found and removed. */
export const StragglerSchema = z
  .object({
    perNodeHour: nonnegative(),
    /** Fraction of throughput the job loses while the straggler is in it. */
    slowdown: z.number().gt(0).lt(1),
    /** How long until it is found and removed, hours. */
    durationHours: positive(),
  })
  .strict();

export const RecoverySchema = z
  .object({
    /** From a crash to the job being torn down, seconds. */
    crashDetectSeconds: nonnegative(),
    /** From a hang to the collective timeout firing, seconds. */
    hangDetectSeconds: nonnegative(),
    /** Rescheduling and re-initializing the job (not loading the checkpoint), seconds. */
    restartSeconds: nonnegative(),
    /** Until a failed node is back in the pool of spares, hours. */
    nodeRepairHours: positive(),
    /** With automatic hot spares: the accepted chance that a failure finds none left. */
    spareShortfallProbability: z.number().gt(0).lt(1),
    /** GPU to host-memory copy rate for an asynchronous checkpoint when the system gives no pcieGBps, GB/s per GPU. */
    snapshotGBpsPerGpu: positive(),
  })
  .strict();

/** A failure model as written (a preset file or inline); `extends` may leave parts to its base. */
export const FailureModelInputSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    /** A failure-model preset whose fields this one inherits. */
    extends: z.string().optional(),
    /** Multiplies every unplanned rate (the base's too); planned maintenance is a policy, not a fleet's reliability. */
    rateScale: positive().optional(),
    observed: ObservedFleetSchema.optional(),
    causes: z.array(FailureCauseSchema).optional(),
    stragglers: StragglerSchema.optional(),
    recovery: RecoverySchema.partial().optional(),
  })
  .strict();

export type FailureCause = z.infer<typeof FailureCauseSchema>;
export type ObservedFleet = z.infer<typeof ObservedFleetSchema>;
export type StragglerSpec = z.infer<typeof StragglerSchema>;
export type RecoverySpec = z.infer<typeof RecoverySchema>;
export type FailureModelInput = z.infer<typeof FailureModelInputSchema>;

/** A failure model with its base merged in and every part present. */
export interface FailureModelSpec {
  name: string;
  description?: string;
  rateScale: number;
  observed?: ObservedFleet;
  causes: FailureCause[];
  stragglers: StragglerSpec;
  recovery: RecoverySpec;
}
