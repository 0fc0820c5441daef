/// <reference types="vite/client" />
/**
 * The preset catalog, bundled into the page: every YAML file under presets/, built into a
 * catalog by the same builder the CLI's loader uses (src/config/preset-files.ts).
 */
import type { PresetCatalog } from '../../src/config/catalog.js';
import { presetCatalogFromFiles, type PresetFile } from '../../src/config/preset-files.js';

const texts = import.meta.glob('../../presets/*/*.{yaml,yml}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

function bundledFiles(): PresetFile[] {
  return Object.entries(texts).map(([path, text]) => {
    const [kind, file] = path.split('/').slice(-2);
    return { kind, file, text };
  });
}

/** The built-in presets, as `clustertwin presets` lists them. */
export const CATALOG: PresetCatalog = presetCatalogFromFiles(bundledFiles());

/** The default scenario (presets/scenarios/default.yaml): what the page shows before any edit. */
export const DEFAULT_SCENARIO = (CATALOG.scenarios.default ?? {}) as Readonly<Record<string, unknown>>;
