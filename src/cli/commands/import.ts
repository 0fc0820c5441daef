/**
 * `clustertwin import megatron -- <pretrain_gpt.py arguments>` and `clustertwin import nemo FILE.yaml`:
 * a framework's configuration read into the scenario it describes, printed as scenario YAML with
 * what was mapped, ignored and not known as comments, or run with --simulate.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { readFileSync, statSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { stringify } from 'yaml';
import { ClusterTwinError, invalid } from '../../errors.js';
import { FRAMEWORK_FORMATS, type FrameworkFormat, type ImportedScenario } from '../../interop/framework-target.js';
import { TARGETS } from '../../interop/targets.js';
import { evaluateScenario, resolveScenario } from '../../engine.js';
import { loadPresets } from '../../node/presets.js';
import { parseCount } from '../../units.js';
import { addScenarioOptions, FLAG_OF_KEY, MAX_CONFIG_BYTES, readConfigFile } from '../scenario-options.js';

/** A framework's config file: TOML (torchtitan) by its name, else YAML or JSON as --config reads them; errors name the file. */
export function readFrameworkFile(file: string): unknown {
  try {
    if (!/\.toml$/i.test(file)) return readConfigFile(file);
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new ClusterTwinError('config_file', 'FILE', `${file}: is not a file`);
      size = st.size;
    } catch (err) {
      if (err instanceof ClusterTwinError) throw err;
      throw new ClusterTwinError('config_file', 'FILE', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    if (size > MAX_CONFIG_BYTES) throw new ClusterTwinError('config_file', 'FILE', `${file}: is larger than ${MAX_CONFIG_BYTES / 1024} KiB`);
    try {
      return parseToml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ClusterTwinError('config_file', 'FILE', `${file}: not valid TOML: ${(err as Error).message.split('\n')[0]}`);
    }
  } catch (err) {
    // readConfigFile speaks of --config; here the file is the command's input.
    if (err instanceof ClusterTwinError && err.path === '--config') throw new ClusterTwinError(err.code, 'FILE', err.detail);
    throw err;
  }
}

/** The scenario YAML with the import's lists as comments (a `--config` file as it stands). */
export function importedYaml(format: string, imported: ImportedScenario): string {
  const lines = [`# Imported from ${format} by clustertwin import.`];
  lines.push(`# mapped: ${imported.mapped.length ? [...new Set(imported.mapped.map((m) => `${m.option} -> ${m.field}`))].join(', ') : 'none'}`);
  for (const i of imported.ignored) lines.push(`# ignored: ${i.option} (${i.why})`);
  for (const u of imported.unknown) lines.push(`# unknown: ${u}`);
  return `${lines.join('\n')}\n${stringify(imported.scenario)}`;
}

export function importCommand(): Command<any, any> {
  const importable = FRAMEWORK_FORMATS.filter((f) => TARGETS[f]?.importer);
  const cmd = new Command('import')
    .description('read a framework configuration (Megatron-LM arguments, a NeMo YAML) into a clustertwin scenario')
    .argument('<format>', `the framework: ${importable.join(', ')}`)
    .argument('[input...]', 'megatron: the pretrain_gpt.py arguments after --; nemo: the YAML file')
    .addHelpText(
      'after',
      `
Prints the scenario as YAML (a file --config reads), with the options it
mapped, ignored (they do not change the step: learning rate, paths, logging)
and did not know as comments; --simulate runs it. A command line carries no
machine: give --system, and --gpus unless it starts with torchrun --nnodes
and --nproc-per-node. Scenario flags given here override what was imported
(the twin's own settings, such as --grad-buffer or --overlap-interference,
have no framework option). Options are read as Megatron-LM core_v0.15.0 and
NeMo v2.3.0 define them (docs/interop/megatron.md, docs/interop/nemo.md).

Examples:
  clustertwin import megatron --system dgx-h100 --gpus 64 -- pretrain_gpt.py --tensor-model-parallel-size 4 --num-layers 32 ...
  clustertwin import megatron --system dgx-a100-80g -- torchrun --nnodes 8 --nproc-per-node 8 pretrain_gpt.py ... --simulate
  clustertwin import nemo megatron_gpt_config.yaml --system dgx-h100 --json`,
    );
  addScenarioOptions(cmd)
    .option('--simulate', 'run the imported scenario and print its step time')
    .addOption(new Option('--json', 'print one JSON object (scenario, mapped, ignored, unknown; with --simulate the result)'));
  return cmd.action((format, input, raw) => {
    const opts = raw as Record<string, unknown>;
    if (!(FRAMEWORK_FORMATS as readonly string[]).includes(format)) throw invalid('FORMAT', `unknown format "${format.slice(0, 40)}"; allowed: ${importable.join(', ')}`);
    const target = TARGETS[format as FrameworkFormat];
    if (!target?.importer) throw new ClusterTwinError('unsupported', 'FORMAT', `${format} has no importer yet; allowed: ${importable.join(', ')}`);
    if (opts.config !== undefined) throw invalid('--config', 'is not read by import; the framework configuration is the input');
    const catalog = loadPresets();
    const gpus = opts.gpus !== undefined ? parseCount(String(opts.gpus)) : undefined;
    const vocab = opts.vocab !== undefined ? parseCount(String(opts.vocab)) : undefined;
    if (gpus !== undefined && !Number.isInteger(gpus)) throw invalid('--gpus', `expected a whole number, got "${String(opts.gpus)}"`);
    let imported: ImportedScenario;
    if (target.input === 'argv') {
      if (input.length === 0) throw invalid('INPUT', `give the ${format} arguments after --`);
      imported = target.importer({ argv: input, gpus, vocab }, catalog);
    } else {
      if (input.length !== 1) throw invalid('INPUT', `give one ${format} config file`);
      imported = target.importer({ config: readFrameworkFile(input[0]), gpus, vocab }, catalog);
    }
    // Scenario flags given beside the import override it.
    for (const key of Object.keys(FLAG_OF_KEY)) {
      const v = opts[key];
      if (v === undefined || key === 'gpus') continue;
      imported.scenario[key] = key === 'layersPerStage' && typeof v === 'string' ? v.split(',').map((x) => parseCount(x)) : v;
    }
    if (!opts.simulate) {
      process.stdout.write(opts.json ? `${JSON.stringify(imported, null, 2)}\n` : importedYaml(format, imported));
      return;
    }
    const scenario = resolveScenario(imported.scenario as never, catalog);
    const result = evaluateScenario(scenario);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...imported, result }, null, 2)}\n`);
      return;
    }
    const tps = result.tokensPerSecond / scenario.exec.gpus;
    process.stdout.write(
      `${importedYaml(format, imported)}\n# simulated: step ${result.stepTimeSeconds.toFixed(3)} s, ${Math.round(tps).toLocaleString('en-US')} tokens/s a GPU, ${result.tflopsPerGpu.toFixed(1)} model TFLOP/s a GPU${result.fitsInMemory ? '' : ' (does not fit in memory)'}\n`,
    );
  });
}
