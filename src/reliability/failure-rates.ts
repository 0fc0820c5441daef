/**
 * Interruption rates of one job: each cause's rate per unit-hour (counted
 * on the failure model's reference fleet, or given) times the job's count of
 * that unit. A bigger job, another node size or another fabric gives another
 * rate; nothing here is specific to one cluster.
 */
import type { FailureCause, FailureModelSpec, ObservedFleet } from '../config/reliability-schema.js';
import { SECONDS_PER_HOUR } from '../units.js';
import type { ComponentCounts } from './components.js';

export interface CauseRate {
  name: string;
  label: string;
  component: FailureCause['component'];
  detection: FailureCause['detection'];
  replacesNode: boolean;
  planned: boolean;
  /** Interruptions per unit per hour (after the model's and the caller's scale). */
  perUnitHour: number;
  /** Units of the component in this job. */
  units: number;
  /** Interruptions of the whole job per second of wall-clock time. */
  perSecond: number;
}

const observedUnits = (o: ObservedFleet, c: FailureCause['component']): number =>
  c === 'gpu' ? o.gpus : c === 'node' ? o.nodes : c === 'nic' ? o.nics : c === 'fabricLink' ? o.fabricLinks : 1;

/** A cause's rate per unit-hour before any scale. */
export function perUnitHour(cause: FailureCause, observed: ObservedFleet | undefined): number {
  if (cause.perUnitHour !== undefined) return cause.perUnitHour;
  // The schema guarantees `observed` whenever a cause is given as a count.
  return (cause.count ?? 0) / (observedUnits(observed!, cause.component) * observed!.hours);
}

/**
 * Rates of every cause for a job with these component counts. `rateScale`
 * (the model's times the caller's) multiplies the unplanned causes only:
 * it stands for a less or more reliable fleet, not for another maintenance policy.
 */
export function failureRates(model: FailureModelSpec, counts: ComponentCounts, extraScale = 1): CauseRate[] {
  const scale = model.rateScale * extraScale;
  return model.causes.map((c) => {
    const rate = perUnitHour(c, model.observed) * (c.planned ? 1 : scale);
    const units = counts[c.component];
    return {
      name: c.name,
      label: c.label,
      component: c.component,
      detection: c.detection,
      replacesNode: c.replacesNode,
      planned: c.planned,
      perUnitHour: rate,
      units,
      perSecond: (rate * units) / SECONDS_PER_HOUR,
    };
  });
}

/** Unplanned interruptions of the job per second. */
export const unplannedRate = (rates: CauseRate[]): number => rates.reduce((a, r) => a + (r.planned ? 0 : r.perSecond), 0);

/** Every interruption, planned or not, per second. */
export const totalRate = (rates: CauseRate[]): number => rates.reduce((a, r) => a + r.perSecond, 0);
