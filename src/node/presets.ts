/**
 * Reads the preset catalog (YAML files under `presets/`) from disk, once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { PresetCatalog, PresetKind } from '../config/catalog.js';

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

function readKind(root: string, kind: PresetKind): Record<string, unknown> {
  const dir = join(root, 'presets', kind);
  const out: Record<string, unknown> = {};
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.yaml') && !file.endsWith('.yml')) continue;
    const name = file.replace(/\.ya?ml$/, '');
    out[name] = parse(readFileSync(join(dir, file), 'utf8'));
  }
  return out;
}

/** The built-in presets, read from the package's presets/ folder. */
export function loadPresets(): PresetCatalog {
  if (cached) return cached;
  const root = packageRoot();
  cached = {
    gpus: readKind(root, 'gpus'),
    systems: readKind(root, 'systems'),
    models: readKind(root, 'models'),
    scenarios: readKind(root, 'scenarios'),
    reliability: readKind(root, 'reliability'),
  };
  return cached;
}
