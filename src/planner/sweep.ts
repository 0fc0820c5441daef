/**
 * What-if sweeps: one scenario, some fields varied, one row per combination.
 *
 * An axis is written `path=v1,v2,...` (or `path=a|b` when a value holds
 * commas, such as `overlap=tp,dp|dp,pp`; numeric values may be ranges,
 * `512..4096`). The path is one of:
 * - a scenario field: `gbs`, `seq`, `gpus`, `system`, `model`, `tp`, `recompute`, ...
 * - a system field, nested: `system.node.nicGbps`, or without the prefix
 *   `node.nicGbps`, `fabric.oversubscription`, `gpu.hbmGiB`, `pricing.usdPerGpuHour`;
 *   `gpu` alone swaps the GPU for another preset (`gpu=h100-sxm-80g,h200-sxm-141g`);
 * - a model field, nested: `model.layers`, `model.moe.experts`.
 * Nested fields override the scenario's preset (which becomes an inline
 * system or model); paths are checked against the schemas, so a typo fails
 * before any row is computed.
 */
import { z } from 'zod';
import type { PresetCatalog, PresetKind } from '../config/catalog.js';
import { parseScenarioInput, SCENARIO_KEYS, zodIssueToError, type ScenarioInputParsed } from '../config/scenario-input.js';
import { ModelSpecSchema } from '../config/model-schema.js';
import { SystemSpecSchema } from '../config/system-schema.js';
import { scenarioModel, scenarioSystem } from '../config/resolve.js';
import { ClusterTwinError, invalid } from '../errors.js';
import type { SimulationResult } from '../engine.js';
import { parseCount } from '../units.js';
import { parseRange } from './ranges.js';
import { splitOf } from './space.js';

export type SweepValue = string | number | boolean;

type Target = { kind: 'scenario'; key: string } | { kind: 'system' | 'model'; keys: string[] };

/** One varied field and its values. */
export interface SweepAxis {
  /** As the user wrote it (the column name). */
  path: string;
  target: Target;
  values: SweepValue[];
}

/** Most rows one sweep may have. */
export const MAX_SWEEP_ROWS = 100_000;

const SYSTEM_FIELDS = Object.keys(SystemSpecSchema.shape);

/** The object schema inside optional, default and union wrappers, if any. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  if (schema instanceof z.ZodObject) return schema.shape as Record<string, z.ZodType>;
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodNullable) return objectShape(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodUnion) {
    for (const o of schema.options as z.ZodType[]) {
      const s = objectShape(o);
      if (s) return s;
    }
  }
  return undefined;
}

/** Checks a nested path against a schema, naming the fields allowed where it goes wrong. */
function checkPath(schema: z.ZodType, keys: string[], prefix: string): void {
  let s: z.ZodType = schema;
  let at = prefix;
  for (const key of keys) {
    const shape = objectShape(s);
    if (!shape) throw invalid('--set', `${at} has no fields to set`);
    if (!Object.prototype.hasOwnProperty.call(shape, key)) {
      throw invalid('--set', `unknown field ${at}.${key}; fields of ${at}: ${Object.keys(shape).join(', ')}`);
    }
    s = shape[key];
    at = `${at}.${key}`;
  }
}

function targetOf(path: string): Target {
  if (SCENARIO_KEYS.includes(path)) return { kind: 'scenario', key: path };
  const parts = path.split('.');
  let kind: 'system' | 'model' | undefined;
  let keys = parts.slice(1);
  if (parts[0] === 'system' && parts.length > 1) kind = 'system';
  else if (parts[0] === 'model' && parts.length > 1) kind = 'model';
  else if (SYSTEM_FIELDS.includes(parts[0])) [kind, keys] = ['system', parts];
  if (!kind) {
    throw invalid(
      '--set',
      `unknown field "${path}": give a scenario field (${SCENARIO_KEYS.slice(0, 8).join(', ')}, ...), a system field (node.nicGbps, fabric.oversubscription, gpu, gpu.hbmGiB, pricing.usdPerGpuHour, ...) or a model field (model.layers, ...)`,
    );
  }
  checkPath(kind === 'system' ? SystemSpecSchema : ModelSpecSchema, keys, kind);
  return { kind, keys };
}

function typedValue(text: string): SweepValue {
  if (text === 'true' || text === 'false') return text === 'true';
  const n = text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : parseCount(text);
  return Number.isFinite(n) ? n : text;
}

/** Parses `path=v1,v2` (or `path=a|b`). */
export function parseSweepAxis(text: string): SweepAxis {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw invalid('--set', `"${text}" is not field=values (e.g. node.nicGbps=200,400,800)`);
  const path = text.slice(0, eq).trim();
  const list = text.slice(eq + 1);
  const target = targetOf(path);
  const items = (list.includes('|') ? list.split('|') : list.split(',')).map((s) => s.trim());
  if (items.some((s) => s === '')) throw invalid('--set', `"${text}" has an empty value`);
  const values: SweepValue[] = [];
  for (const item of items) {
    if (/^[0-9.eE+_kKmMbBgGtT]+\.\.[0-9.eE+_kKmMbBgGtT:]+$/.test(item)) values.push(...parseRange(item, '--set'));
    else values.push(typedValue(item));
  }
  return { path, target, values };
}

/** Rows a sweep has: the product of its axes' lengths. */
export function sweepSize(axes: readonly SweepAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/** Every combination of values, the last axis varying fastest. */
export function* sweepCombos(axes: readonly SweepAxis[]): Generator<SweepValue[]> {
  const n = sweepSize(axes);
  for (let i = 0; i < n; i++) {
    const combo: SweepValue[] = [];
    let rest = i;
    for (let a = axes.length - 1; a >= 0; a--) {
      const len = axes[a].values.length;
      combo.unshift(axes[a].values[rest % len]);
      rest = Math.floor(rest / len);
    }
    yield combo;
  }
}

/** Presets a system field may name (a GPU, a failure model) and their catalog kind. */
const PRESET_FIELDS: Record<string, PresetKind> = { gpu: 'gpus', reliability: 'reliability' };

/** A deep copy of a preset or inline object that nested fields can be set on. */
function editable(value: unknown, kind: PresetKind, catalog: PresetCatalog): Record<string, unknown> {
  const raw = typeof value === 'string' ? catalog[kind][value] : value;
  return structuredClone((raw ?? {}) as Record<string, unknown>);
}

function setPath(root: Record<string, unknown>, keys: string[], value: SweepValue, catalog: PresetCatalog): void {
  let obj = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i];
    const next = obj[k];
    // A field that names a preset (gpu: h100-sxm-80g) becomes that preset, inline, so its fields can change.
    if (typeof next === 'string' && PRESET_FIELDS[k]) obj[k] = editable(next, PRESET_FIELDS[k], catalog);
    else if (next === undefined || next === null || typeof next !== 'object') obj[k] = {};
    obj = obj[k] as Record<string, unknown>;
  }
  obj[keys[keys.length - 1]] = value;
}

/** The scenario of one row: the base with each axis set to its value in `combo`. */
export function sweepInput(base: ScenarioInputParsed, axes: readonly SweepAxis[], combo: readonly SweepValue[], catalog: PresetCatalog): ScenarioInputParsed {
  return parseScenarioInput(sweepFields(base, axes, combo, catalog));
}

/** The same, before validation. */
function sweepFields(base: ScenarioInputParsed, axes: readonly SweepAxis[], combo: readonly SweepValue[], catalog: PresetCatalog): Record<string, unknown> {
  const input: Record<string, unknown> = { ...base };
  axes.forEach((a, i) => {
    if (a.target.kind === 'scenario') input[a.target.key] = combo[i];
  });
  let system: Record<string, unknown> | undefined;
  let model: Record<string, unknown> | undefined;
  axes.forEach((a, i) => {
    if (a.target.kind === 'system') setPath((system ??= editable(input.system ?? 'ndm-a100-v4', 'systems', catalog)), a.target.keys, combo[i], catalog);
    if (a.target.kind === 'model') setPath((model ??= editable(input.model ?? 'gpt3-175b', 'models', catalog)), a.target.keys, combo[i], catalog);
  });
  if (system) input.system = system;
  if (model) input.model = model;
  return input;
}

/**
 * Checks every value of every axis on its own against the base scenario,
 * so a bad value (a negative bandwidth, an unknown preset) fails before any
 * row is written. Errors that only some combinations hit (a TP that does not
 * divide another row's heads) are the rows' own.
 */
export function checkSweep(base: ScenarioInputParsed, axes: readonly SweepAxis[], catalog: PresetCatalog): void {
  if (axes.length === 0) throw invalid('--set', 'give at least one field to vary, e.g. --set node.nicGbps=200,400,800');
  const rows = sweepSize(axes);
  if (rows > MAX_SWEEP_ROWS) throw invalid('--set', `${rows.toLocaleString('en-US')} rows is more than ${MAX_SWEEP_ROWS.toLocaleString('en-US')}; vary fewer values`);
  for (const a of axes) {
    for (const v of a.values) {
      try {
        const fields = sweepFields(base, [a], [v], catalog);
        // Check an edited system or model against its own schema, for a message that names the nested field.
        if (a.target.kind !== 'scenario') {
          const schema: z.ZodType = a.target.kind === 'system' ? SystemSpecSchema : ModelSpecSchema;
          const r = schema.safeParse(fields[a.target.kind]);
          if (!r.success) throw zodIssueToError(r.error, a.target.kind);
        }
        const input = parseScenarioInput(fields);
        if (a.target.kind === 'system' || a.path === 'system') scenarioSystem(input, catalog);
        if (a.target.kind === 'model' || a.path === 'model') scenarioModel(input, catalog);
      } catch (err) {
        if (err instanceof ClusterTwinError) throw invalid('--set', `${a.path}=${String(v)}: ${err.message}`);
        throw err;
      }
    }
  }
}

/** The columns of a sweep row after the varied fields. */
export const SWEEP_COLUMNS = [
  'system', 'model', 'gpus', 'seq', 'gbs', 'tp', 'pp', 'dp', 'cp', 'ep', 'vp', 'mbs', 'zero', 'recompute', 'sp',
  'stepTimeSeconds', 'tokensPerSecond', 'mfu', 'hfu', 'peakMemoryBytesPerGpu', 'fitsInMemory',
  'timeToTrainSeconds', 'gpuHours', 'energyMWh', 'costUsd', 'error',
] as const;

export type SweepRecord = Record<string, SweepValue | null>;

/** One flat row: the varied values, then the scenario's split and figures (or the error that stopped it). */
export function sweepRecord(axes: readonly SweepAxis[], combo: readonly SweepValue[], outcome: SimulationResult | { error: string }): SweepRecord {
  const row: SweepRecord = {};
  axes.forEach((a, i) => (row[a.path] = combo[i]));
  for (const c of SWEEP_COLUMNS) if (!(c in row)) row[c] = null;
  if ('error' in outcome) {
    row.error = outcome.error;
    return row;
  }
  const { system, model, execution: e } = outcome.config;
  const figures: SweepRecord = {
    system: system.name,
    model: model.name,
    gpus: e.gpus,
    seq: e.seq,
    gbs: e.gbs,
    ...splitOf(e),
    dp: e.dp,
    stepTimeSeconds: outcome.stepTimeSeconds,
    tokensPerSecond: outcome.tokensPerSecond,
    mfu: outcome.mfu,
    hfu: outcome.hfu,
    peakMemoryBytesPerGpu: outcome.peakMemoryBytesPerGpu,
    fitsInMemory: outcome.fitsInMemory,
    timeToTrainSeconds: outcome.timeToTrainSeconds,
    gpuHours: outcome.gpuHours,
    energyMWh: outcome.energyMWh,
    costUsd: outcome.costUsd,
  };
  // Varied fields keep the value the user gave (a preset name rather than a resolved object).
  for (const [k, v] of Object.entries(figures)) if (!axes.some((a) => a.path === k)) row[k] = v;
  return row;
}

/** A value as a CSV cell (quoted when it holds a comma, quote or line break). */
export const csvCell = (v: SweepValue | null): string => {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV header for a sweep's rows. */
export const csvHeader = (axes: readonly SweepAxis[]): string => sweepColumns(axes).map(csvCell).join(',');

/** A row as a CSV line, in the header's column order. */
export const csvLine = (axes: readonly SweepAxis[], row: SweepRecord): string => sweepColumns(axes).map((c) => csvCell(row[c] ?? null)).join(',');

export function sweepColumns(axes: readonly SweepAxis[]): string[] {
  const varied = axes.map((a) => a.path);
  return [...varied, ...SWEEP_COLUMNS.filter((c) => !varied.includes(c))];
}

/** Scenario fields that, when a sweep varies them, make the default scenario's split and recipe not apply. */
export const RESHAPING_FIELDS = ['system', 'gpus', 'seq', 'cp', 'ep', 'dp', 'model', 'layers', 'hidden', 'heads', 'kvHeads', 'ffnHidden', 'vocab'];
export const MODEL_FIELDS = ['model', 'layers', 'hidden', 'heads', 'kvHeads', 'ffnHidden', 'vocab'];
export const SPLIT_FIELDS = ['tp', 'pp', 'dp', 'vp', 'mbs', 'layersPerStage'];
export const RECIPE_FIELDS = ['seq', 'gbs'];

/**
 * The base scenario of a sweep. As with `simulate`, a sweep over the machine
 * or the model does not carry the default scenario's split (and, over
 * models, its sequence and batch) into every row: fields the user did not
 * set are left for the engine (or the planner) to choose per row.
 */
export function sweepBase(base: ScenarioInputParsed, axes: readonly SweepAxis[], userKeys: ReadonlySet<string>, opts: { plan?: boolean } = {}): ScenarioInputParsed {
  const out: Record<string, unknown> = { ...base };
  const scenarioPaths = axes.filter((a) => a.target.kind === 'scenario').map((a) => a.path);
  const modelNested = axes.some((a) => a.target.kind === 'model');
  const modelChanges = modelNested || scenarioPaths.some((p) => MODEL_FIELDS.includes(p));
  const reshapes = modelChanges || scenarioPaths.some((p) => RESHAPING_FIELDS.includes(p));
  const drop = (fields: string[]): void => fields.forEach((k) => userKeys.has(k) || delete out[k]);
  if (opts.plan || reshapes) drop(SPLIT_FIELDS);
  if (modelChanges) drop(RECIPE_FIELDS);
  // The planner searches these too, unless the user fixed them.
  if (opts.plan) drop(['cp', 'ep', 'zero', 'recompute', 'sp']);
  return parseScenarioInput(out);
}
