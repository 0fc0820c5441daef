/**
 * Reads the preset catalog (YAML files under `presets/`) from disk, once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PresetCatalog } from '../config/catalog.js';
import { PRESET_KINDS, isPresetFile, presetCatalogFromFiles, type PresetFile } from '../config/preset-files.js';

/** The package root: the nearest folder above this file holding `presets/`. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'presets')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('clustertwin: cannot find the presets/ folder');
}

let cached: PresetCatalog | undefined;

/** The built-in presets, read from the package's presets/ folder. */
export function loadPresets(): PresetCatalog {
  if (cached) return cached;
  const root = packageRoot();
  const files: PresetFile[] = [];
  for (const kind of PRESET_KINDS) {
    const dir = join(root, 'presets', kind);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) if (isPresetFile(file)) files.push({ kind, file, text: readFileSync(join(dir, file), 'utf8') });
  }
  cached = presetCatalogFromFiles(files);
  return cached;
}
