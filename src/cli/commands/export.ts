/**
 * `clustertwin export --format megatron|nemo [--launcher slurm|torchrun|k8s]`: a scenario as the
 * framework's command line and config files the twin assumed, with a launch script; the settings
 * the framework has no option for are listed, not invented.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { ClusterTwinError, invalid } from '../../errors.js';
import { FRAMEWORK_FORMATS, LAUNCHERS, type ExportedConfig, type ExportedFile, type FrameworkFormat, type Launcher } from '../../interop/framework-target.js';
import { TARGETS } from '../../interop/targets.js';
import { launchFile } from '../../interop/launchers/index.js';
import { shellQuote } from '../../interop/launchers/job-shape.js';
import type { Scenario } from '../../config/resolve.js';
import { resolveScenario } from '../../engine.js';
import { loadPresets } from '../../node/presets.js';
import { checkOutputFile, writeOutputFile } from '../../node/output-file.js';
import { addScenarioOptions, scenarioFromOptions } from '../scenario-options.js';

export interface ExportResult {
  config: ExportedConfig;
  /** Every file the export writes: the command as a script, the config files, the launch file. */
  files: ExportedFile[];
}

/** The exported configuration of a scenario and the files it makes. */
export function exportScenario(s: Scenario, format: string, launcher?: string): ExportResult {
  const exportable = FRAMEWORK_FORMATS.filter((f) => TARGETS[f]);
  if (!(FRAMEWORK_FORMATS as readonly string[]).includes(format) || !TARGETS[format as FrameworkFormat]) throw invalid('--format', `unknown format "${format.slice(0, 40)}"; allowed: ${exportable.join(', ')}`);
  if (launcher !== undefined && !(LAUNCHERS as readonly string[]).includes(launcher)) throw invalid('--launcher', `unknown launcher "${launcher.slice(0, 40)}"; allowed: ${LAUNCHERS.join(', ')}`);
  const config = (TARGETS[format as FrameworkFormat] as NonNullable<(typeof TARGETS)[FrameworkFormat]>).exporter(s);
  const notes = config.unsupported.map((u) => `# not exported: ${u.setting} = ${u.value} (${u.why})`);
  const header = [`# ${config.format}: ${config.version}; options from ${config.source}`, ...notes];
  const files: ExportedFile[] = [{ path: 'command.sh', text: `#!/bin/bash\n${header.join('\n')}\n${config.command.map(shellQuote).join(' ')}\n` }, ...config.files];
  if (launcher !== undefined) {
    // torchrun starts the script itself: without the interpreter in front.
    const script = config.command[0] === 'python' ? config.command.slice(1) : config.command;
    files.push(launchFile(launcher as Launcher, script, s.exec.gpus, s.system.node.gpusPerNode));
  }
  return { config, files };
}

/** Writes every file into `dir`, each whole or not at all, after checking all of them first. */
export function writeExport(dir: string, files: readonly ExportedFile[]): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ClusterTwinError('output_file', '--out', `${dir}: not an existing folder`);
  for (const f of files) checkOutputFile(join(dir, f.path));
  for (const f of files) writeOutputFile(join(dir, f.path), f.text);
}

/** The export printed: each file under a heading line. */
export const exportText = (r: ExportResult): string => r.files.map((f) => `==> ${f.path} <==\n${f.text.endsWith('\n') ? f.text : `${f.text}\n`}`).join('\n');

export function exportCommand(): Command<any, any> {
  const exportable = FRAMEWORK_FORMATS.filter((f) => TARGETS[f]);
  const cmd = new Command('export')
    .description("write a scenario as a framework's command line and config (Megatron-LM, NeMo), with a launch script")
    .addHelpText(
      'after',
      `
The framework options for the parallelism, batch, recompute, precision and
overlaps the twin assumed, in the option names of a stated version
(docs/interop/). A twin setting the framework has no option for is listed as
"not exported", never invented. --launcher wraps the command for the job's
nodes x GPUs a node: an sbatch file, a torchrun line or a Kubernetes Indexed
Job (docs/interop/launchers.md). Without --out the files are printed.

Examples:
  clustertwin export --format megatron --system dgx-h100 --model llama3-70b --gpus 64 --tp 4 --pp 4 --vp 5 --seq 8192 --gbs 128
  clustertwin export --format nemo --launcher slurm --config scenario.yaml --out run/
  clustertwin export --format megatron --launcher k8s --model llama3-8b --system dgx-h100 --gpus 16 --json`,
    )
    .requiredOption('--format <format>', `framework: ${exportable.join(', ')}`)
    .option('--launcher <launcher>', `wrap the command: ${LAUNCHERS.join(', ')}`)
    .option('--out <dir>', 'write the files into this existing folder instead of printing them');
  addScenarioOptions(cmd).option('--json', 'print one JSON object (the exported configuration and its files)');
  return cmd.action((raw) => {
    const opts = raw as Record<string, unknown>;
    const format = String(opts.format);
    if (!exportable.includes(format as FrameworkFormat)) throw invalid('--format', `unknown format "${format.slice(0, 40)}"; allowed: ${exportable.join(', ')}`);
    if (opts.launcher !== undefined && !(LAUNCHERS as readonly string[]).includes(String(opts.launcher))) throw invalid('--launcher', `unknown launcher "${String(opts.launcher).slice(0, 40)}"; allowed: ${LAUNCHERS.join(', ')}`);
    const catalog = loadPresets();
    const s = resolveScenario(scenarioFromOptions(opts, catalog), catalog);
    const r = exportScenario(s, format, opts.launcher as string | undefined);
    if (typeof opts.out === 'string') writeExport(opts.out, r.files);
    if (opts.json) process.stdout.write(`${JSON.stringify({ ...r.config, launcher: opts.launcher ?? null, files: r.files, written: typeof opts.out === 'string' ? r.files.map((f) => join(opts.out as string, f.path)) : [] }, null, 2)}\n`);
    else if (typeof opts.out === 'string') process.stdout.write(`wrote ${r.files.map((f) => join(opts.out as string, f.path)).join(', ')}\n`);
    else process.stdout.write(exportText(r));
  });
}
