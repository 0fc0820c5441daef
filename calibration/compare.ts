/**
 * Sets what `measure_gpu.py` measured on a real GPU beside what the twin's GPU preset predicts for
 * the same kernels and layers, so a device run shows at once which efficiency figure is off.
 *
 *   npx tsx calibration/compare.ts calibration/results/<file>.json [--gpu h100-sxm-80g]
 */
import { readFileSync } from 'node:fs';
import { loadPresets } from '../src/node/presets.js';
import { ClusterTwinError } from '../src/errors.js';
import type { GpuSpec } from '../src/config/system-schema.js';
import { resolveGpu, resolveModel } from '../src/config/catalog.js';
import type { ModelSpec } from '../src/config/model-schema.js';
import { gemmFlops, kernelSeconds, kernelsSeconds, type GemmKernel } from '../src/compute/kernel.js';
import { layerKernels, type ShardShape } from '../src/compute/layer-kernels.js';

interface Measured {
  device: string;
  gemmSquareBf16Tflops: Record<string, number>;
  gemmKSweepBf16Tflops: Record<string, number>;
  hbmCopyGBps: number;
  addBandwidthGBps?: Record<string, number>;
  flashAttentionForwardTflops: number;
  flashAttentionBackwardTflops: number;
  layerForwardBackwardSeconds?: Record<string, { shape: { hidden: number; heads: number; seq: number; mbs: number }; seconds: number }>;
  sustainedGemmBf16?: { tflops: number; smClockMHzMedian: number | null; powerWattsMedian: number | null };
}

const GPU_BY_DEVICE: Array<[RegExp, string]> = [
  [/H200/, 'h200-sxm-141g'],
  [/H100/, 'h100-sxm-80g'],
  [/A100.*80/, 'a100-sxm-80g'],
  [/A100/, 'a100-sxm-40g'],
  [/B200/, 'b200-sxm-180g'],
];

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  process.stderr.write('usage: npx tsx calibration/compare.ts RESULT.json [--gpu PRESET]\n');
  process.exit(2);
}
const measured = JSON.parse(readFileSync(file, 'utf8')) as Measured;
const flag = args.indexOf('--gpu');
const presetName = flag >= 0 ? args[flag + 1] : GPU_BY_DEVICE.find(([re]) => re.test(measured.device))?.[1];
if (!presetName) {
  process.stderr.write(`error: --gpu: no preset known for device "${measured.device}"; name one\n`);
  process.exit(2);
}
const catalog = loadPresets();
let gpu: GpuSpec;
try {
  gpu = resolveGpu(catalog, presetName);
} catch (err) {
  if (!(err instanceof ClusterTwinError)) throw err;
  process.stderr.write(`error: --gpu: ${err.message.replace(/^system\.gpu: /, '')}\n`);
  process.exit(2);
}
const rows: string[][] = [];
const row = (what: string, meas: number, pred: number, unit: string) =>
  rows.push([what, `${meas.toFixed(1)} ${unit}`, `${pred.toFixed(1)} ${unit}`, `${((pred / meas - 1) * 100).toFixed(1)}%`]);

const gemm = (m: number, n: number, k: number): GemmKernel => ({ kind: 'gemm', name: 'g', m, n, k, batch: 1, precision: 'bf16' });
const tflops = (g: GemmKernel) => gemmFlops(g) / kernelSeconds(gpu, g) / 1e12;
for (const [n, t] of Object.entries(measured.gemmSquareBf16Tflops)) row(`GEMM bf16 ${n}^3`, t, tflops(gemm(+n, +n, +n)), 'TFLOP/s');
for (const [k, t] of Object.entries(measured.gemmKSweepBf16Tflops)) row(`GEMM bf16 8192x8192x${k}`, t, tflops(gemm(8192, 8192, +k)), 'TFLOP/s');
const attnFlops = 1e12;
const attn = (pass: 'forward' | 'backward') => attnFlops / kernelSeconds(gpu, { kind: 'attention', name: 'a', pass, flops: attnFlops, implementation: 'fa2' }) / 1e12;
row('flash attention forward', measured.flashAttentionForwardTflops, attn('forward'), 'TFLOP/s');
row('flash attention backward', measured.flashAttentionBackwardTflops, attn('backward'), 'TFLOP/s');
const copyBytes = 2 ** 32;
row('HBM copy', measured.hbmCopyGBps, copyBytes / kernelSeconds(gpu, { kind: 'memory', name: 'copy', bytes: copyBytes }) / 1e9, 'GB/s');
for (const [mb, gbps] of Object.entries(measured.addBandwidthGBps ?? {})) {
  const bytes = 3 * +mb * 2 ** 20;
  row(`elementwise add, ${mb} MB operands`, gbps, bytes / kernelSeconds(gpu, { kind: 'memory', name: 'add', bytes }) / 1e9, 'GB/s');
}

// The same GPT layer measure_gpu.py builds: pre-LayerNorm, biases, GELU MLP of 4x hidden, fused attention.
const gpt3 = resolveModel(catalog, 'gpt3-175b');
for (const [name, { shape, seconds }] of Object.entries(measured.layerForwardBackwardSeconds ?? {})) {
  const m: ModelSpec = { ...gpt3, hidden: shape.hidden, heads: shape.heads, kvHeads: shape.heads, ffnHidden: 4 * shape.hidden, dropout: false };
  const s: ShardShape = { mbs: shape.mbs, seq: shape.seq, tp: 1, cp: 1, ep: 1, sp: false, attention: 'flash', precision: 'bf16', recompute: 'none', weightDtype: 'bf16' };
  const k = layerKernels(m, s);
  row(`layer fwd+bwd ${name}`, seconds * 1e3, kernelsSeconds(gpu, [...k.forward, ...k.backward]) * 1e3, 'ms');
}
if (measured.sustainedGemmBf16) {
  const g = measured.sustainedGemmBf16;
  row('GEMM bf16 8192^3, 15 s sustained', g.tflops, tflops(gemm(8192, 8192, 8192)), 'TFLOP/s');
  process.stdout.write(`sustained: SM clock ${g.smClockMHzMedian ?? '?'} MHz (peak quoted at 1830 for Hopper), power ${g.powerWattsMedian ?? '?'} W\n`);
}

const width = rows.reduce((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), [] as number[]);
process.stdout.write(`${measured.device} against preset ${presetName}\n`);
process.stdout.write(`${['what', 'measured', 'twin', 'twin error'].map((c, i) => c.padEnd(width[i])).join('  ')}\n`);
for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ')}\n`);
