/**
 * What an importer and an exporter of a training framework's configuration exchange with the
 * twin. Importers and exporters live at the edge (STYLE.md): they turn a foreign format into the
 * flat scenario a user writes (src/config/scenario-input.ts) and back; the engine never sees them.
 *
 *   framework args / TOML / YAML --import--> ImportedScenario.scenario (flat, as `--config` takes)
 *   resolved Scenario ------------export--> ExportedConfig (the framework's files + a launch script)
 */

/** The frameworks `clustertwin export --format` writes and `clustertwin import` reads. */
export const FRAMEWORK_FORMATS = ['megatron', 'nemo', 'torchtitan', 'deepspeed'] as const;
export type FrameworkFormat = (typeof FRAMEWORK_FORMATS)[number];

/** Launchers an export can wrap its command in. */
export const LAUNCHERS = ['slurm', 'torchrun', 'k8s'] as const;
export type Launcher = (typeof LAUNCHERS)[number];

/** One option of a framework, transcribed from its source at a named version. */
export interface FrameworkOption {
  /** As the framework spells it (`--tensor-model-parallel-size`, `parallelism.tensor_parallel_degree`). */
  name: string;
  /** What it takes: a flag (no value), an integer, a number, a string, or one of `choices`. */
  type: 'flag' | 'int' | 'number' | 'string' | 'choice';
  choices?: readonly string[];
  /** Inclusive bounds of an int or number, where the framework states or checks them. */
  min?: number;
  max?: number;
  /** The framework's own one-line meaning, paraphrased. */
  meaning: string;
}

/** One transcribed option: `opt(name, type, meaning, { min, max, choices })`, as the option tables write them. */
export const frameworkOption = (name: string, type: FrameworkOption['type'], meaning: string, extra: Partial<FrameworkOption> = {}): FrameworkOption => ({ name, type, meaning, ...extra });

/** A twin setting a target has no option for: named, never invented. */
export interface UnsupportedSetting {
  /** The scenario field (`overlapInterference`, `cp`). */
  setting: string;
  value: string;
  why: string;
}

/** A file an export writes. */
export interface ExportedFile {
  /** Relative path (`train.sh`, `job.toml`, `ds_config.json`). */
  path: string;
  text: string;
}

/** One framework's configuration for a scenario. */
export interface ExportedConfig {
  format: FrameworkFormat;
  /** The framework version whose option list was used, and where the list was transcribed from. */
  version: string;
  source: string;
  /** The framework's command line (entry point and arguments), one argument an item, without a launcher. */
  command: string[];
  /** Config files the command reads (a torchtitan TOML, a DeepSpeed JSON, a NeMo YAML); may be empty. */
  files: ExportedFile[];
  unsupported: UnsupportedSetting[];
}

/** What an import made of a foreign configuration. */
export interface ImportedScenario {
  /** A flat scenario, as a `--config` file holds it (keys are the CLI flags in camelCase). */
  scenario: Record<string, unknown>;
  /** Each foreign option read, and the scenario field it set. */
  mapped: Array<{ option: string; field: string }>;
  /** Options the importer knows but that do not change the twin's answer (learning rate, paths). */
  ignored: Array<{ option: string; why: string }>;
  /** Options the importer does not know: listed, never silently dropped. */
  unknown: string[];
}
