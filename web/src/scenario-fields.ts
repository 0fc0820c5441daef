/**
 * The page's scenario: the fields the user set, as text, keyed as the CLI's scenario keys
 * (src/config/scenario-input.ts). Unset fields take the default scenario's value or the
 * engine's choice, exactly as `clustertwin simulate` does for flags not given.
 */
import { stringify } from 'yaml';
import { ScenarioInputSchema, parseScenarioInput, type ScenarioInputParsed } from '../../src/config/scenario-input.js';
import { ATTENTION_KERNELS, KERNEL_STYLES, PRECISIONS, RECOMPUTE_MODES } from '../../src/config/execution-schema.js';
import { parseCount } from '../../src/units.js';
import { CATALOG } from './presets.js';

/** What the user typed, by scenario key; a key absent or '' is unset. */
export type Fields = Readonly<Record<string, string>>;

/** One input of the form. */
export interface FieldSpec {
  key: string;
  label: string;
  /** count: a number (300B, 16M accepted); choice: one of `options` ('' = unset). */
  kind: 'count' | 'choice' | 'text';
  options?: readonly string[];
}

/** The schema's own sentence for a key, for the field's tooltip. */
export const describeField = (key: string): string => (ScenarioInputSchema.shape as Record<string, { description?: string }>)[key]?.description ?? '';

const names = (table: Readonly<Record<string, unknown>>): string[] => Object.keys(table).sort();

/** The form, in groups: every field is a scenario key the CLI reads. */
export const FIELD_GROUPS: ReadonlyArray<{ title: string; fields: FieldSpec[] }> = [
  {
    title: 'Machine',
    fields: [
      { key: 'system', label: 'system', kind: 'choice', options: names(CATALOG.systems) },
      { key: 'gpus', label: 'GPUs', kind: 'count' },
    ],
  },
  {
    title: 'Model',
    fields: [
      { key: 'model', label: 'model', kind: 'choice', options: names(CATALOG.models) },
      { key: 'layers', label: 'layers', kind: 'count' },
      { key: 'hidden', label: 'hidden', kind: 'count' },
      { key: 'heads', label: 'heads', kind: 'count' },
      { key: 'kvHeads', label: 'KV heads', kind: 'count' },
    ],
  },
  {
    title: 'Batch and run',
    fields: [
      { key: 'seq', label: 'sequence', kind: 'count' },
      { key: 'gbs', label: 'global batch', kind: 'count' },
      { key: 'mbs', label: 'micro-batch', kind: 'count' },
      { key: 'tokens', label: 'tokens', kind: 'count' },
    ],
  },
  {
    title: 'Parallelism',
    fields: [
      { key: 'tp', label: 'TP', kind: 'count' },
      { key: 'pp', label: 'PP', kind: 'count' },
      { key: 'dp', label: 'DP', kind: 'count' },
      { key: 'cp', label: 'CP', kind: 'count' },
      { key: 'ep', label: 'EP', kind: 'count' },
      { key: 'vp', label: 'VP', kind: 'count' },
      { key: 'sp', label: 'SP', kind: 'choice', options: ['true', 'false'] },
      { key: 'zero', label: 'ZeRO', kind: 'choice', options: ['0', '1', '2', '3'] },
    ],
  },
  {
    title: 'Execution',
    fields: [
      { key: 'recompute', label: 'recompute', kind: 'choice', options: RECOMPUTE_MODES },
      { key: 'precision', label: 'precision', kind: 'choice', options: PRECISIONS },
      { key: 'overlap', label: 'overlap', kind: 'text' },
      { key: 'attention', label: 'attention', kind: 'choice', options: ATTENTION_KERNELS },
      { key: 'kernels', label: 'kernels', kind: 'choice', options: KERNEL_STYLES },
      { key: 'network', label: 'network', kind: 'choice', options: ['analytical', 'flow'] },
    ],
  },
];

/** Every key the form shows. */
export const FORM_KEYS: ReadonlySet<string> = new Set(FIELD_GROUPS.flatMap((g) => g.fields.map((f) => f.key)));

/** The fields set, as raw scenario values (the schema reads counts and booleans from text, as from flags). */
export function fieldsToRaw(fields: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const v = value.trim();
    if (v === '') continue;
    // As the CLI's --layers-per-stage: a comma list of counts.
    out[key] = key === 'layersPerStage' ? v.split(',').map((x) => parseCount(x)) : v;
  }
  return out;
}

/** The fields set, checked and typed (throws ClusterTwinError naming the field). */
export const userScenario = (fields: Fields): ScenarioInputParsed => parseScenarioInput(fieldsToRaw(fields));

/** The scenario as the YAML file `clustertwin simulate --config` reads: the fields set, typed. */
export function scenarioYaml(fields: Fields): string {
  const user = userScenario(fields);
  const body = Object.keys(user).length > 0 ? stringify(user) : '{}\n';
  return `# clustertwin scenario: clustertwin simulate --config this-file.yaml\n# Fields not given take the default scenario's value (presets/scenarios/default.yaml) or the engine's choice.\n${body}`;
}

/** Drops unset fields, so equal scenarios have equal encodings. */
export function compactFields(fields: Fields): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v.trim() !== '') out[k] = v;
  return out;
}
