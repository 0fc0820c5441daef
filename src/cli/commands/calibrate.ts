/**
 * `clustertwin calibrate --nccl-tests FILE...`: fits a system preset's NVLink and fabric efficiencies
 * to the user's nccl-tests outputs and writes the calibrated preset (src/interop/nccl-tests/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { parse } from 'yaml';
import { loadPresets, packageRoot } from '../../node/presets.js';
import { resolveSystem } from '../../config/catalog.js';
import { SystemSpecSchema } from '../../config/system-schema.js';
import { echo, invalid } from '../../errors.js';
import { COLLECTIVE_ALGORITHMS, COLLECTIVE_OPS, type CollectiveAlgorithm } from '../../network/network-model.js';
import { parseNcclTests, type NcclTestsOp } from '../../interop/nccl-tests/parse.js';
import { calibrateSystem, type SystemCalibration } from '../../interop/nccl-tests/calibrate.js';
import { calibratedPresetYaml } from '../../interop/nccl-tests/preset-yaml.js';
import { formatBytesShort } from '../../units.js';
import { checkOutputFile, writeOutputFile } from '../../node/output-file.js';
import { readInputFile } from '../input-file.js';
import { table } from '../format.js';

/** At most this many files in one calibration (each is a sweep of a few dozen sizes). */
const MAX_FILES = 64;
const PARSE_OPS = [...COLLECTIVE_OPS, 'reduce', 'gather', 'scatter', 'alltoallv', 'hypercube'] as const;

const signed = (e: number): string => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;

function render(c: SystemCalibration, name: string): string {
  const out: string[] = [];
  for (const r of c.runs) {
    out.push(
      `${r.file}:${r.line}: ${r.program ?? r.op}, ${r.ranks} ranks on ${r.nodes} node(s) of ${c.baseName}${r.gpuName ? ` (${r.gpuName})` : ''}, modelled as ${r.algorithm} (${r.algorithmFrom})`,
    );
    out.push(
      table(
        ['size', 'measured busbw (GB/s)', 'reproduced (GB/s)', 'error', 'measured (us)', 'reproduced (us)', 'fitted to', 'algorithm'],
        r.rows.map((x) => [
          formatBytesShort(x.bytes),
          x.measuredBusbwGBps.toFixed(2),
          x.predictedBusbwGBps.toFixed(2),
          signed(x.error),
          x.measuredTimeMicroseconds.toFixed(1),
          x.predictedTimeMicroseconds.toFixed(1),
          x.fittedTo ?? '',
          x.algorithm,
        ]),
        [1, 2, 3, 4, 5],
      ),
    );
  }
  out.push(`Fitted fields of ${name} (from ${c.baseName}):`);
  out.push(
    table(
      ['field', 'base', 'fitted', 'rows', 'residual (rms)', 'worst'],
      c.fits.map((f) => [f.field, f.base === undefined ? '-' : String(f.base), f.value.toFixed(4), String(f.from.reduce((n, x) => n + x.sizes.length, 0)), `${(f.residualRms * 100).toFixed(1)}%`, `${(f.worstError * 100).toFixed(1)}%`]),
      [1, 2, 3, 4, 5],
    ),
  );
  for (const n of c.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

export function calibrateCommand(): Command<any, any> {
  return new Command('calibrate')
    .description("fit a system preset's NVLink and fabric efficiencies to your nccl-tests outputs, and write the calibrated preset")
    .option('--nccl-tests <files...>', 'nccl-tests output files (all_reduce_perf, all_gather_perf, ... as printed; mpirun/srun prefixes are fine)')
    .option('--system <preset>', 'the base system preset: the machine the runs were measured on')
    .option('--name <name>', 'name of the calibrated preset (default: <system>-calibrated)')
    .option('--out <file>', 'write the calibrated preset YAML here (default: print it)')
    .addOption(new Option('--algo <algo>', 'model every run with this algorithm (default: NCCL_ALGO from the log, else NVLS for single-node all-reduce on an NVLS system, else ring/auto)').choices(COLLECTIVE_ALGORITHMS))
    .addOption(new Option('--op <op>', 'the operation of a file whose output names no *_perf program and whose columns cannot tell').choices(PARSE_OPS))
    .option('--json', 'print one JSON object: the fits, every run measured against the reproduction, notes, and the preset YAML')
    .addHelpText(
      'after',
      `
Single-node runs set node.nvlsAlgbwFraction (all-reduce with NVLS) or node.nvlinkAchievedFraction
(ring); multi-node runs set node.nicAchievedFraction, and their small sizes fabric.nicLatencyMicroseconds.
Each is a least-squares fit of log time over the sizes it governs: bandwidth over the rows at 50% or more
of the run's peak busbw, latency over the multi-node rows under 5%. The preset is the base preset's file
with those fields replaced, each commented with its files, their sha256, the sizes and the residual.
Put it in presets/systems/, or inline under system: in a scenario file. See docs/interop/nccl-tests.md.

Examples:
  clustertwin calibrate --nccl-tests all_reduce_1node.txt --system nd-h100-v5
  clustertwin calibrate --nccl-tests ar_1node.txt ar_4nodes.txt --system dgx-h100 --name my-dgx --out presets/systems/my-dgx.yaml`,
    )
    .action((opts) => {
      const files = opts.ncclTests ?? [];
      if (files.length === 0) throw invalid('--nccl-tests', 'give one or more nccl-tests output files, e.g. --nccl-tests all_reduce.txt');
      if (files.length > MAX_FILES) throw invalid('--nccl-tests', `at most ${MAX_FILES} files, got ${files.length}`);
      if (!opts.system) throw invalid('--system', 'name the base system preset the runs were measured on, e.g. --system nd-h100-v5 (clustertwin presets lists them)');
      const catalog = loadPresets();
      const base = resolveSystem(catalog, opts.system, '--system');
      const name = opts.name ?? `${opts.system}-calibrated`;
      if (!SystemSpecSchema.shape.name.safeParse(name).success) throw invalid('--name', `expected a preset name of 1 to 64 characters, got ${echo(name)}`);
      if (opts.out) checkOutputFile(opts.out);
      const inputs = files.flatMap((f) => {
        const file = readInputFile(f, '--nccl-tests');
        return parseNcclTests(file.text, f, { op: opts.op as NcclTestsOp | undefined }).map((run) => ({ run, sha256: file.sha256 }));
      });
      const calibration = calibrateSystem(base, inputs, { algorithm: opts.algo as CollectiveAlgorithm | undefined });
      const presetFile = join(packageRoot(), 'presets', 'systems', `${opts.system}.yaml`);
      const baseText = existsSync(presetFile) ? readFileSync(presetFile, 'utf8') : undefined;
      const yaml = calibratedPresetYaml(calibration, { name, baseText, baseInput: catalog.systems[opts.system] });
      // The preset must load as the catalog will read it: a bug of ours otherwise, never a half-valid file.
      const check = SystemSpecSchema.safeParse(parse(yaml));
      if (!check.success) throw new Error(`calibrated preset does not validate: ${check.error.issues[0]?.message}`);
      if (opts.out) writeOutputFile(opts.out, yaml);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ name, base: calibration.baseName, fits: calibration.fits, runs: calibration.runs, notes: calibration.notes, ...(opts.out ? { out: opts.out } : {}), presetYaml: yaml }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${render(calibration, name)}\n`);
      process.stdout.write(opts.out ? `wrote ${opts.out} (preset ${name})\n` : `\n${yaml}`);
    });
}
