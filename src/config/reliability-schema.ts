/**
 * The failure axis of a system: how often each kind of component stops a
 * training job, and what recovering costs. A failure model is data
 * (`presets/reliability/*.yaml`): either a table of interruptions counted on
 * a reference fleet over a period (Llama 3's root-cause table) or rates per
 * unit-hour, plus detection, restart and repair times. `extends` reuses
 * another model's table, `rateScale` scales every rate of it.
 */
import { z } from 'zod';
import { nameSchema as name } from './bounds.js';

/** The units a failure rate is counted per; the job's own counts of each scale it. */
export const FAILURE_COMPONENTS = ['gpu', 'node', 'nic', 'fabricLink', 'job'] as const;
export type FailureComponent = (typeof FAILURE_COMPONENTS)[number];

/** How a failure shows itself: a process dies (found at once) or the job hangs (found by a timeout). */
export const DETECTIONS = ['crash', 'hang'] as const;

/**
 * Bounds wide enough for any fleet and tight enough that rates, times and their products stay
 * finite: a count or fleet size up to 1e9, a duration up to 1e7 of its unit.
 */
const positive = () => z.number().min(1e-6).max(1e9);
const nonnegative = () => z.number().nonnegative().max(1e9);
/** A unit that fails once an hour on average is already past any fleet measured. */
const perHour = () => z.number().nonnegative().max(1);
const seconds = () => z.number().nonnegative().max(1e7);
const hours = () => z.number().min(1e-3).max(1e5);


export const FailureCauseSchema = z
  .object({
    /** Short key, e.g. `faulty-gpu`. */
    name: name(),
    /** What reports call it, e.g. `Faulty GPU`. */
    label: name(),
    component: z.enum(FAILURE_COMPONENTS),
    /** Interruptions counted on the reference fleet (`observed`) over its period. */
    count: nonnegative().optional(),
    /** Or: interruptions per unit per hour. */
    perUnitHour: perHour().optional(),
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
    hours: z.number().min(1).max(1e9),
    gpus: z.number().min(1).max(1e9),
    nodes: z.number().min(1).max(1e9),
    nics: z.number().min(1).max(1e9),
    fabricLinks: z.number().min(1).max(1e9),
  })
  .strict();

/** A slow GPU or link that slows the whole synchronous job until it is found and removed. */
export const StragglerSchema = z
  .object({
    perNodeHour: perHour(),
    /** Fraction of throughput the job loses while the straggler is in it. */
    slowdown: z.number().gt(0).lt(1),
    /** How long until it is found and removed, hours. */
    durationHours: hours(),
  })
  .strict();

export const RecoverySchema = z
  .object({
    /** From a crash to the job being torn down, seconds. */
    crashDetectSeconds: seconds(),
    /** From a hang to the collective timeout firing, seconds. */
    hangDetectSeconds: seconds(),
    /** Rescheduling and re-initializing the job (not loading the checkpoint), seconds. */
    restartSeconds: seconds(),
    /** Until a failed node is back in the pool of spares, hours. */
    nodeRepairHours: hours(),
    /** With automatic hot spares: the accepted chance that a failure finds none left. */
    spareShortfallProbability: z.number().gt(0).lt(1),
    /** GPU to host-memory copy rate for an asynchronous checkpoint when the system gives no pcieGBps, GB/s per GPU. */
    snapshotGBpsPerGpu: positive(),
  })
  .strict();

/** A failure model as written (a preset file or inline); `extends` may leave parts to its base. */
export const FailureModelInputSchema = z
  .object({
    name: name().optional(),
    description: z.string().max(2000).optional(),
    /** A failure-model preset whose fields this one inherits. */
    extends: name().optional(),
    /** Multiplies every unplanned rate (the base's too); planned maintenance is a policy, not a fleet's reliability. */
    rateScale: z.number().min(0).max(1e4).optional(),
    observed: ObservedFleetSchema.optional(),
    causes: z.array(FailureCauseSchema).max(1000).optional(),
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
