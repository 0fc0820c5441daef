/**
 * Presets are data: YAML files under `presets/` (gpus, systems, models,
 * scenarios). The engine never reads files; whoever runs it hands it a
 * catalog of parsed objects (`src/node/presets.ts` reads them in Node).
 */
import { ClusterTwinError, nearestNames } from '../errors.js';
import { zodIssueToError } from './scenario-input.js';
import { GpuSpecSchema, SystemSpecSchema, type GpuSpec, type SystemSpec } from './system-schema.js';
import { ModelSpecSchema, completeModel, type ModelSpec, type ModelSpecParsed } from './model-schema.js';
import { DEFAULT_FAILURE_MODEL, resolveFailureModel } from './failure-model.js';
import { fabricKind } from './fabric-kinds.js';

export interface PresetCatalog {
  gpus: Readonly<Record<string, unknown>>;
  systems: Readonly<Record<string, unknown>>;
  models: Readonly<Record<string, unknown>>;
  scenarios: Readonly<Record<string, unknown>>;
  /** Failure models (presets/reliability). */
  reliability: Readonly<Record<string, unknown>>;
}

export type PresetKind = keyof PresetCatalog;

/** Looks a preset up by name, or fails naming the nearest known names. */
export function lookupPreset(catalog: PresetCatalog, kind: PresetKind, name: string, path: string): unknown {
  const table = catalog[kind];
  if (Object.prototype.hasOwnProperty.call(table, name)) return table[name];
  const known = Object.keys(table).sort();
  const near = nearestNames(name, known);
  throw new ClusterTwinError(
    'unknown_preset',
    path,
    `unknown ${kind.replace(/s$/, '')} preset "${name}"; nearest: ${near.join(', ')} (all: ${known.join(', ')})`,
  );
}

export function resolveGpu(catalog: PresetCatalog, gpu: string | unknown, path = 'system.gpu'): GpuSpec {
  const raw = typeof gpu === 'string' ? lookupPreset(catalog, 'gpus', gpu, path) : gpu;
  const r = GpuSpecSchema.safeParse(raw);
  if (!r.success) throw zodIssueToError(r.error, typeof gpu === 'string' ? `gpu preset ${gpu}` : path);
  return r.data;
}

export function resolveSystem(catalog: PresetCatalog, system: string | unknown, path = 'system'): SystemSpec {
  const raw = typeof system === 'string' ? lookupPreset(catalog, 'systems', system, path) : system;
  const r = SystemSpecSchema.safeParse(raw);
  if (!r.success) throw zodIssueToError(r.error, typeof system === 'string' ? `system preset ${system}` : path);
  const gpu = resolveGpu(catalog, r.data.gpu, `${path}.gpu`);
  const reliability = resolveFailureModel(
    (name, at) => lookupPreset(catalog, 'reliability', name, at),
    r.data.reliability ?? DEFAULT_FAILURE_MODEL,
    `${path}.reliability`,
  );
  // A preset's own NIC efficiency wins; without one, its fabric kind's (config/fabric-kinds.ts).
  const node = { ...r.data.node, nicAchievedFraction: r.data.node.nicAchievedFraction ?? fabricKind(r.data.fabric.kind).nicAchievedFraction };
  return { ...r.data, node, gpu, reliability };
}

export function resolveModelPreset(catalog: PresetCatalog, model: string | unknown, path = 'model'): ModelSpecParsed {
  const raw = typeof model === 'string' ? lookupPreset(catalog, 'models', model, path) : model;
  const r = ModelSpecSchema.safeParse(raw);
  if (!r.success) throw zodIssueToError(r.error, typeof model === 'string' ? `model preset ${model}` : path);
  return r.data;
}

/** A model preset with every default filled in. */
export function resolveModel(catalog: PresetCatalog, model: string | unknown, path = 'model'): ModelSpec {
  return completeModel(resolveModelPreset(catalog, model, path));
}

/**
 * The catalog with one GPU preset standing in for another wherever a system names it (e.g. a
 * calibrated `h100-sxm-80g-measured` for `h100-sxm-80g`), to see what a new set of figures does to
 * every prediction that uses the GPU. Both names must be presets; `path` names the option for errors.
 */
export function withGpuSwapped(catalog: PresetCatalog, from: string, to: string, path: string): PresetCatalog {
  lookupPreset(catalog, 'gpus', from, path);
  const replacement = resolveGpu(catalog, to, path);
  return { ...catalog, gpus: { ...catalog.gpus, [from]: replacement } };
}
