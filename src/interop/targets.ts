/**
 * The registry of framework targets: what `clustertwin import` and `export` can read and write.
 * One entry a format; a target without an importer is export-only.
 */
import type { ExportedConfig, FrameworkFormat, ImportedScenario } from './framework-target.js';
import type { PresetCatalog } from '../config/catalog.js';
import type { Scenario } from '../config/resolve.js';
import { exportMegatron } from './megatron/export.js';
import { importMegatron } from './megatron/import.js';
import { exportNemo } from './nemo/export.js';
import { importNemo } from './nemo/import.js';
import { exportTorchtitan } from './torchtitan/export.js';
import { importTorchtitanTable } from './torchtitan/import.js';
import { exportDeepspeed } from './deepspeed/export.js';
import { importDeepspeedConfig } from './deepspeed/import.js';

/** What an importer is handed: a command line (`argv`) or a parsed config file (`config`). */
export interface ImportSource {
  argv?: readonly string[];
  config?: unknown;
  gpus?: number;
  vocab?: number;
}

export interface FrameworkTarget {
  /** How the importer takes its input: the arguments after `--`, or a file. */
  input: 'argv' | 'file';
  importer?: (source: ImportSource, catalog: PresetCatalog) => ImportedScenario;
  exporter: (s: Scenario) => ExportedConfig;
}

export const TARGETS: Partial<Record<FrameworkFormat, FrameworkTarget>> = {
  megatron: { input: 'argv', importer: (src, c) => importMegatron(src.argv ?? [], c, src), exporter: exportMegatron },
  nemo: { input: 'file', importer: (src, c) => importNemo(src.config, c, src), exporter: exportNemo },
  // torchtitan's own configs leave the world size to the launcher (degree -1): --gpus gives it.
  torchtitan: { input: 'file', importer: (src) => importTorchtitanTable(src.config as Record<string, unknown>, { gpus: src.gpus }), exporter: exportTorchtitan },
  // A ds_config carries no world size either; --gpus stands for the deepspeed launcher's --num_gpus on one node.
  deepspeed: { input: 'file', importer: (src) => importDeepspeedConfig(src.config, src.gpus === undefined ? [] : ['--num_nodes', '1', '--num_gpus', String(src.gpus)]), exporter: exportDeepspeed },
};
