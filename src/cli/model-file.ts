/**
 * `--model path/to/config.json` (and `model: ./config.json` in a scenario file): a Hugging Face
 * config read at the CLI edge, bounded like a scenario file, and turned into an inline model by the
 * pure importer (src/interop/hf-config.ts). Errors name the file and the config key, in one line.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { ClusterTwinError } from '../errors.js';
import type { PresetCatalog } from '../config/catalog.js';
import type { ModelSpecInput } from '../config/model-schema.js';
import { modelFromHfConfig, type HfImport } from '../interop/hf-config.js';
import { readBounded } from './scenario-options.js';

/**
 * The file a --model value names, or undefined for a preset name: a name ending in .json, holding a
 * path separator, or naming an existing file (a preset of the same name wins over a stray file).
 */
export function modelFilePath(value: string, catalog: PresetCatalog, baseDir?: string): string | undefined {
  const full = baseDir && !isAbsolute(value) ? resolve(baseDir, value) : value;
  if (/\.json$/i.test(value) || /[\\/]/.test(value)) return full;
  if (Object.prototype.hasOwnProperty.call(catalog.models, value)) return undefined;
  try {
    return existsSync(full) && statSync(full).isFile() ? full : undefined;
  } catch {
    return undefined;
  }
}

/** The model a config.json describes, named after its file (`llama3.config.json` -> `llama3`). */
export function readModelFile(file: string, flag = '--model'): HfImport {
  const text = readBounded(file, flag, 'a model config.json');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ClusterTwinError('config_file', flag, `${file}: not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const name = basename(file).replace(/(\.config)?\.json$/i, '').replace(/^config$/i, '') || undefined;
  try {
    return modelFromHfConfig(json, name);
  } catch (err) {
    if (err instanceof ClusterTwinError) throw new ClusterTwinError(err.code, [file, err.path].filter(Boolean).join(': '), err.detail);
    throw err;
  }
}

/**
 * A --model value as the scenario takes it: a preset name unchanged, a config file read into an
 * inline model. Its approximations go to stderr, one line each, so a user sees what was not held.
 */
export function modelOrFile(value: string, catalog: PresetCatalog, flag: string, baseDir?: string): string | ModelSpecInput {
  const file = modelFilePath(value, catalog, baseDir);
  if (file === undefined) return value;
  const imported = readModelFile(file, flag);
  for (const a of imported.approximated) process.stderr.write(`note: ${value}: ${a.key}: ${a.why}\n`);
  return imported.model;
}
