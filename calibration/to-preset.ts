/**
 * Writes a GPU preset whose efficiency block comes from a `measure_gpu.py` result, each figure with
 * the measurement beside it as a comment. The base preset (the same GPU's published-figure preset)
 * gives everything that is not measured: peaks, memory, tile, reserve.
 *
 *   npx tsx calibration/to-preset.ts calibration/results/<gpu>-<date>.json [--sustained FILE] [--gpu BASE] [--out FILE]
 *
 * The default output is presets/gpus/<base>-measured.yaml, which the catalog then loads by that
 * name: `clustertwin validate --swap-gpu <base>=<base>-measured` reruns the suite with it, and
 * `clustertwin sweep --set gpu=<base>-measured` uses it in any scenario.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Document, isMap, isScalar, isSeq } from 'yaml';
import { loadPresets, packageRoot } from '../src/node/presets.js';
import { GpuSpecSchema, type GpuSpec } from '../src/config/system-schema.js';
import { CalibrationError, deriveEfficiency, type CalibrationResult } from './derive-efficiency.js';
import { basePreset, fail } from './device-preset.js';

/** The part of a measure_sustained.py result this script reads. */
interface SustainedRun {
  device?: string;
  'gemm8192.fp8'?: { settledTflops?: number; settledSmMHz?: number | null; settledWatts?: number | null };
}

/** The first line of every file this script writes; it overwrites only files that start with it. */
export const GENERATED_MARK = '# Written by calibration/to-preset.ts';

const USAGE = `usage: npx tsx calibration/to-preset.ts RESULT.json [--sustained FILE] [--inventory FILE] [--gpu BASE] [--out FILE]

Writes a GPU preset whose efficiency figures come from a measure_gpu.py result.
  --sustained FILE  a measure_sustained.py result of the same GPU: its settled FP8 GEMM rate
               (gemm8192.fp8) replaces the proxy for the FP8 figure
  --inventory FILE  a measure_inventory.py result of the same GPU: the BF16 figure comes from its
               layer GEMMs timed between other kernels (and the FP8 one is scaled alike)
  --gpu BASE   the published-figure preset of the same GPU (default: from the result's device name)
  --out FILE   where to write (default: presets/gpus/<BASE>-measured.yaml); an existing file is
               replaced only if this script wrote it
`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const option = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`${flag}: needs a value`);
  return v;
};
const file = args.find((a, i) => !a.startsWith('--') && !['--gpu', '--out', '--sustained', '--inventory'].includes(args[i - 1] ?? ''));
if (!file) fail('RESULT.json: name the measure_gpu.py result to read (see --help)');

let measured: CalibrationResult;
try {
  measured = JSON.parse(readFileSync(file, 'utf8')) as CalibrationResult;
} catch (err) {
  fail(`RESULT.json: cannot read ${file} as JSON (${(err as Error).message.split('\n')[0]})`);
}
const { gpu: base } = basePreset(loadPresets(), option('--gpu'), measured.device);

/** A second result file of the same GPU, named by `flag`: parsed, or one line and exit 2. */
function companion<T extends { device?: string }>(flag: string, path: string): T {
  let other: T;
  try {
    other = JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    fail(`${flag}: cannot read ${path} as JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (other.device !== undefined && measured.device !== undefined && other.device !== measured.device) {
    fail(`${flag}: ${path} was measured on "${other.device}", ${file} on "${measured.device}"; give files of one GPU`);
  }
  return other;
}

const source = basename(file);
let sources = source;
const sustainedFile = option('--sustained');
if (sustainedFile) {
  const fp8 = companion<SustainedRun>('--sustained', sustainedFile)['gemm8192.fp8'];
  if (!fp8?.settledTflops) fail(`--sustained: ${sustainedFile} holds no settled gemm8192.fp8 run`);
  measured.sustainedGemmFp8 = { tflops: fp8.settledTflops, smClockMHzMedian: fp8.settledSmMHz, powerWattsMedian: fp8.settledWatts, source: basename(sustainedFile) };
  sources = `${sources} + ${basename(sustainedFile)}`;
}
const inventoryFile = option('--inventory');
if (inventoryFile) {
  const rates = companion<CalibrationResult>('--inventory', inventoryFile).gemmLayerShapesInterleavedBf16Tflops;
  if (!rates) fail(`--inventory: ${inventoryFile} holds no gemmLayerShapesInterleavedBf16Tflops`);
  measured.gemmLayerShapesInterleavedBf16Tflops = rates;
  measured.interleavedSource = basename(inventoryFile);
  sources = `${sources} + ${basename(inventoryFile)}`;
}

let derived;
try {
  derived = deriveEfficiency(base, measured, source);
} catch (err) {
  if (err instanceof CalibrationError) fail(err.message);
  throw err;
}

const name = `${base.name}-measured`;
const preset: GpuSpec = GpuSpecSchema.parse({
  ...base,
  name,
  description: `${base.description ?? base.name}, efficiency measured on ${measured.device ?? 'the device'} (${sources})`,
  efficiency: derived.efficiency,
});

const doc = new Document(preset);
doc.commentBefore =
  ` ${GENERATED_MARK.slice(2)} from ${sources}; rerun it rather than editing.\n` +
  ` Peaks, memory and the rest are ${base.name}'s (published figures, cited there); each efficiency figure names its measurement.`;
const efficiency = doc.get('efficiency', true);
if (isMap(efficiency)) {
  for (const pair of efficiency.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const why = derived.provenance[key as keyof typeof derived.provenance];
    if (isSeq(pair.value)) pair.value.flow = true; // gemmTile: [256, 128], as the hand-written presets
    if (why && pair.value && typeof pair.value === 'object') (pair.value as { comment?: string }).comment = ` ${why}`;
  }
}
const text = doc.toString({ lineWidth: 0 });

const out = option('--out') ?? join(packageRoot(), 'presets', 'gpus', `${name}.yaml`);
if (existsSync(out) && !readFileSync(out, 'utf8').startsWith(GENERATED_MARK)) {
  fail(`--out: ${out} exists and was not written by this script; name another file`);
}
// Whole or not at all: write beside the target, then rename over it.
const tmp = `${out}.tmp-${process.pid}`;
try {
  writeFileSync(tmp, text);
  renameSync(tmp, out);
} catch (err) {
  rmSync(tmp, { force: true });
  fail(`--out: cannot write ${out} (${(err as Error).message})`);
}
process.stdout.write(`wrote ${relative(process.cwd(), out) || out} (preset ${name})\n`);
for (const [field, why] of Object.entries(derived.provenance)) {
  const value = derived.efficiency[field as keyof GpuSpec['efficiency']];
  process.stdout.write(`  ${field.padEnd(31)} ${JSON.stringify(value).padEnd(10)} ${why}\n`);
}
