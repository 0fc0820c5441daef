/**
 * The preset catalog from the text of its YAML files, wherever they were read: from disk in Node
 * (src/node/presets.ts) or bundled into the web page (web/src/presets.ts). One builder, so the page
 * and the CLI see the same catalog.
 */
import { parse } from 'yaml';
import type { PresetCatalog, PresetKind } from './catalog.js';

/** The catalog's kinds, each a folder under presets/. */
export const PRESET_KINDS: readonly PresetKind[] = ['gpus', 'systems', 'models', 'scenarios', 'reliability'];

/** One preset file: its kind (folder), its file name (`dgx-h100.yaml`) and its text. */
export interface PresetFile {
  kind: string;
  file: string;
  text: string;
}

/** Whether a file name is a preset (YAML): other files in the folders (READMEs) are not. */
export const isPresetFile = (file: string): boolean => file.endsWith('.yaml') || file.endsWith('.yml');

/** The catalog from preset files: each kind's presets in file-name order, named by the file without .yaml. */
export function presetCatalogFromFiles(files: readonly PresetFile[]): PresetCatalog {
  const catalog = Object.fromEntries(PRESET_KINDS.map((k) => [k, {} as Record<string, unknown>])) as Record<PresetKind, Record<string, unknown>>;
  const sorted = files.filter((f) => isPresetFile(f.file) && (PRESET_KINDS as readonly string[]).includes(f.kind)).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const f of sorted) catalog[f.kind as PresetKind][f.file.replace(/\.ya?ml$/, '')] = parse(f.text);
  return catalog;
}
