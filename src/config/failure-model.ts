/**
 * Resolves a system's failure model: a preset name or an inline description,
 * with its `extends` chain merged.
 */
import { ClusterTwinError } from '../errors.js';
import { zodIssueToError } from './scenario-input.js';
import { FailureModelInputSchema, RecoverySchema, type FailureModelSpec } from './reliability-schema.js';

/** The failure-model preset a system without one uses. */
export const DEFAULT_FAILURE_MODEL = 'default';

/**
 * Resolves a failure model (a preset name or an inline description) with its
 * `extends` chain merged: the child's sections replace the base's, recovery
 * times key by key, and rate scales multiply.
 */
export function resolveFailureModel(lookup: (name: string, path: string) => unknown, ref: string | unknown, path: string, seen: string[] = []): FailureModelSpec {
  const raw = typeof ref === 'string' ? lookup(ref, path) : ref;
  const r = FailureModelInputSchema.safeParse(raw);
  if (!r.success) throw zodIssueToError(r.error, typeof ref === 'string' ? `reliability preset ${ref}` : path);
  const own = r.data;
  const name = own.name ?? (typeof ref === 'string' ? ref : 'inline');
  let base: Partial<FailureModelSpec> = {};
  if (own.extends !== undefined) {
    const chain = typeof ref === 'string' ? [...seen, ref] : seen;
    if (chain.includes(own.extends)) throw new ClusterTwinError('invalid_value', path, `reliability preset "${own.extends}" extends itself`);
    base = resolveFailureModel(lookup, own.extends, path, chain);
  }
  const merged = {
    name,
    description: own.description ?? base.description,
    rateScale: (base.rateScale ?? 1) * (own.rateScale ?? 1),
    observed: own.observed ?? base.observed,
    causes: own.causes ?? base.causes,
    stragglers: own.stragglers ?? base.stragglers,
    recovery: { ...base.recovery, ...own.recovery },
  };
  const missing = (['causes', 'stragglers'] as const).filter((k) => merged[k] === undefined);
  const recovery = RecoverySchema.safeParse(merged.recovery);
  if (missing.length > 0 || !recovery.success) {
    const what = missing.length > 0 ? missing.join(', ') : 'recovery times';
    throw new ClusterTwinError('invalid_value', path, `failure model "${name}" lacks ${what} (give them or extend a preset that has them)`);
  }
  if (merged.causes!.some((c) => c.count !== undefined) && !merged.observed) {
    throw new ClusterTwinError('invalid_value', path, `failure model "${name}" counts interruptions but does not say on what fleet (observed)`);
  }
  return { ...merged, causes: merged.causes!, stragglers: merged.stragglers!, recovery: recovery.data };
}
