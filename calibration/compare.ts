/**
 * Sets what `measure_gpu.py` measured on a real GPU beside what the twin's GPU preset predicts for
 * the same kernels and layers, so a device run shows at once which efficiency figure is off.
 *
 *   npx tsx calibration/compare.ts calibration/results/<file>.json [--gpu h100-sxm-80g]
 */
import { readFileSync } from 'node:fs';
import { loadPresets } from '../src/node/presets.js';
import { resolveModel, withGpuSwapped } from '../src/config/catalog.js';
import type { ModelSpec } from '../src/config/model-schema.js';
import { gemmFlops, kernelSeconds, kernelsSeconds, type GemmKernel } from '../src/compute/kernel.js';
import { layerKernels } from '../src/compute/layer-kernels.js';
import type { ShardShape } from '../src/compute/shard-shape.js';
import { simulate } from '../src/engine.js';
import { basePreset } from './device-preset.js';
import { measuredCategorySeconds, twinCategory, twinCategorySeconds, type KernelCategory, type ProfiledKernel } from './kernel-categories.js';

interface Measured {
  device: string;
  gemmSquareBf16Tflops?: Record<string, number>;
  gemmKSweepBf16Tflops?: Record<string, number>;
  hbmCopyGBps?: number;
  addBandwidthGBps?: Record<string, number>;
  flashAttentionForwardTflops: number;
  flashAttentionBackwardTflops: number;
  layerForwardBackwardSeconds?: Record<string, { shape: { hidden: number; heads: number; seq: number; mbs: number }; seconds: number }>;
  sustainedGemmBf16?: { tflops: number; smClockMHzMedian: number | null; powerWattsMedian: number | null };
  gemmLayerShapesBf16Tflops?: Record<string, { mnk: [number, number, number]; tflops: number }>;
  errors?: Record<string, string>;
  [section: string]: unknown;
}

interface Profile {
  spanSeconds: number;
  kernelSeconds: number;
  kernels: ProfiledKernel[];
}

interface ModelStep {
  shape: { layers: number; hidden: number; heads: number; seq: number; mbs: number; vocab: number; tied?: boolean };
  weights: 'fp32-autocast' | 'bf16';
  checkpoint: boolean;
  /** false: forward and backward only (measure_sustained.py's 1.7B step); absent: with the optimizer. */
  optimizer?: boolean;
  seconds: number;
  peakAllocatedBytes?: number;
  profile: Profile;
}

/** measure_sustained.py's steps (`step.<name>`: run for tens of seconds, profiled hot) as ModelSteps. */
interface SustainedStep {
  shape: ModelStep['shape'];
  weights: ModelStep['weights'];
  optimizer: boolean;
  settledSecondsPerCall: number;
  settledSmMHz: number | null;
  settledWatts: number | null;
  hotProfile: Profile;
}

function modelSteps(measured: Record<string, unknown>): [string, ModelStep][] {
  const out: [string, ModelStep][] = [];
  for (const [key, value] of Object.entries(measured)) {
    if (key.startsWith('modelStep:')) out.push([key.slice('modelStep:'.length), value as ModelStep]);
    if (key.startsWith('step.')) {
      const v = value as SustainedStep;
      out.push([`${key.slice('step.'.length)} (settled, ${v.settledSmMHz ?? '?'} MHz, ${v.settledWatts ?? '?'} W)`, {
        shape: v.shape, weights: v.weights, checkpoint: false, optimizer: v.optimizer, seconds: v.settledSecondsPerCall, profile: v.hotProfile,
      }]);
    }
  }
  return out;
}


const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  process.stderr.write('usage: npx tsx calibration/compare.ts RESULT.json [--gpu PRESET]\n');
  process.exit(2);
}
const measured = JSON.parse(readFileSync(file, 'utf8')) as Measured;
// measure_gpu.py since 2026-11-28 nests the attention rates; earlier files hold them flat.
const nestedAttention = measured.flashAttention as { forwardTflops: number; backwardTflops: number } | undefined;
measured.flashAttentionForwardTflops ??= nestedAttention?.forwardTflops as number;
measured.flashAttentionBackwardTflops ??= nestedAttention?.backwardTflops as number;
const flag = args.indexOf('--gpu');
const catalog = loadPresets();
const { name: presetName, gpu } = basePreset(catalog, flag >= 0 ? args[flag + 1] : undefined, measured.device);
const rows: string[][] = [];
const row = (what: string, meas: number, pred: number, unit: string) =>
  rows.push([what, `${meas.toFixed(1)} ${unit}`, `${pred.toFixed(1)} ${unit}`, `${((pred / meas - 1) * 100).toFixed(1)}%`]);

const gemm = (m: number, n: number, k: number): GemmKernel => ({ kind: 'gemm', name: 'g', m, n, k, batch: 1, precision: 'bf16' });
const tflops = (g: GemmKernel) => gemmFlops(g) / kernelSeconds(gpu, g) / 1e12;
for (const [n, t] of Object.entries(measured.gemmSquareBf16Tflops ?? {})) row(`GEMM bf16 ${n}^3`, t, tflops(gemm(+n, +n, +n)), 'TFLOP/s');
for (const [k, t] of Object.entries(measured.gemmKSweepBf16Tflops ?? {})) row(`GEMM bf16 8192x8192x${k}`, t, tflops(gemm(8192, 8192, +k)), 'TFLOP/s');
for (const [name, { mnk, tflops: t }] of Object.entries(measured.gemmLayerShapesBf16Tflops ?? {})) {
  row(`GEMM bf16 ${name} ${mnk.join('x')}`, t, tflops(gemm(...mnk)), 'TFLOP/s');
}
for (const [name, { mnk, tflops: t }] of Object.entries((measured.gemmLayerShapesInterleavedBf16Tflops ?? {}) as Record<string, { mnk: [number, number, number]; tflops: number }>)) {
  row(`GEMM bf16 ${name} ${mnk.join('x')}, between copies`, t, tflops(gemm(...mnk)), 'TFLOP/s');
}
const attnFlops = 1e12;
const attn = (pass: 'forward' | 'backward') => attnFlops / kernelSeconds(gpu, { kind: 'attention', name: 'a', pass, flops: attnFlops, implementation: 'fa2' }) / 1e12;
if (measured.flashAttentionForwardTflops) row('flash attention forward', measured.flashAttentionForwardTflops, attn('forward'), 'TFLOP/s');
if (measured.flashAttentionBackwardTflops) row('flash attention backward', measured.flashAttentionBackwardTflops, attn('backward'), 'TFLOP/s');
const copyBytes = 2 ** 32;
if (measured.hbmCopyGBps) row('HBM copy', measured.hbmCopyGBps, copyBytes / kernelSeconds(gpu, { kind: 'memory', name: 'copy', bytes: copyBytes }) / 1e9, 'GB/s');
for (const [mb, gbps] of Object.entries(measured.addBandwidthGBps ?? {})) {
  const bytes = 3 * +mb * 2 ** 20;
  row(`elementwise add, ${mb} MB operands`, gbps, bytes / kernelSeconds(gpu, { kind: 'memory', name: 'add', bytes }) / 1e9, 'GB/s');
}

// The same GPT layer measure_gpu.py builds: pre-LayerNorm, biases, GELU MLP of 4x hidden, fused attention.
const gpt3 = resolveModel(catalog, 'gpt3-175b');
/** The GPT shape of measure_gpu.py's layers and models: MHA, 4x GELU MLP, no dropout. */
const gptShape = (hidden: number, heads: number, more: Partial<ModelSpec> = {}): ModelSpec => ({ ...gpt3, hidden, heads, kvHeads: heads, ffnHidden: 4 * hidden, dropout: false, ...more });
for (const [name, { shape, seconds }] of Object.entries(measured.layerForwardBackwardSeconds ?? {})) {
  const m = gptShape(shape.hidden, shape.heads);
  const s: ShardShape = { mbs: shape.mbs, seq: shape.seq, tp: 1, cp: 1, ep: 1, sp: false, attention: 'flash', precision: 'bf16', recompute: 'none', weightDtype: 'bf16', kernels: 'eager' };
  const k = layerKernels(m, s);
  row(`layer fwd+bwd ${name}`, seconds * 1e3, kernelsSeconds(gpu, [...k.forward, ...k.backward]) * 1e3, 'ms');
}
// Whole steps on one GPU: the twin simulates the same model, batch and weights on one GPU of the system
// that carries this GPU, and the kernel-category split shows where a gap sits (GEMM, attention,
// elementwise, norms, optimizer, or the GPU waiting for the host: span minus summed kernel time).
const SYSTEM_BY_GPU: Record<string, string> = { 'h100-sxm-80g': 'dgx-h100', 'h200-sxm-141g': 'nd-h200-v5', 'a100-sxm-80g': 'dgx-a100-80g', 'a100-sxm-40g': 'nd-a100-v4', 'b200-sxm-180g': 'dgx-b200' };
const splits: string[] = [];
// The steps run on the system that carries this GPU, with the GPU preset compared (--gpu) standing in.
const stepSystem = SYSTEM_BY_GPU[presetName] ?? 'dgx-h100';
const stepCatalog = (() => {
  const systemGpu = (catalog.systems[stepSystem] as { gpu?: unknown } | undefined)?.gpu;
  return typeof systemGpu === 'string' && systemGpu !== gpu.name ? withGpuSwapped(catalog, systemGpu, gpu.name, '--gpu') : catalog;
})();
for (const [name, step] of modelSteps(measured)) {
  const { layers, hidden, heads, seq, mbs, vocab } = step.shape;
  const tied = step.shape.tied ?? true;
  const stepInput = {
    system: stepSystem, gpus: 1, model: 'gpt3-175b', layers, hidden, heads, kvHeads: heads, ffnHidden: 4 * hidden, vocab,
    tied, dropout: false, seq, mbs, gbs: mbs, tp: 1, pp: 1, zero: 0, precision: 'bf16', attention: 'flash',
    recompute: step.checkpoint ? 'full' : 'none', weightDtype: step.weights === 'bf16' ? 'bf16' : 'fp32', kernels: 'eager',
  } as const;
  const result = simulate(stepInput, stepCatalog);
  // The twin's host idle: the step with its launch queue (compute/host-overhead.ts) less the step without.
  const twinIdle = result.stepTimeSeconds - simulate({ ...stepInput, hostOverhead: 'off' }, stepCatalog).stepTimeSeconds;
  const withOptimizer = step.optimizer ?? true;
  // A pure-bf16 step (measure_gpu.py's 'bf16': parameters, hence AdamW's states, in bf16) moves half the
  // optimizer bytes of the fp32 states the twin's execution always has: its optimizer time counts half.
  const optimizerShare = !withOptimizer ? 0 : step.weights === 'bf16' ? 0.5 : 1;
  const twinSeconds = result.stepTimeSeconds - (1 - optimizerShare) * result.breakdown.optimizerSeconds;
  row(`step ${name}${withOptimizer ? '' : ', no optimizer'}${optimizerShare === 0.5 ? ' (bf16 AdamW states)' : ''}`, step.seconds * 1e3, twinSeconds * 1e3, 'ms');
  const idle = step.profile.spanSeconds - step.profile.kernelSeconds;
  const peak = step.peakAllocatedBytes === undefined ? '' : `; peak allocated ${(step.peakAllocatedBytes / 2 ** 30).toFixed(1)} GiB, twin ${(result.peakMemoryBytesPerGpu / 2 ** 30).toFixed(1)} GiB`;
  splits.push(`${name}: GPU busy ${(step.profile.kernelSeconds * 1e3).toFixed(1)} ms of a ${(step.profile.spanSeconds * 1e3).toFixed(1)} ms span (idle, waiting on the host: ${(idle * 1e3).toFixed(1)} ms; twin ${(twinIdle * 1e3).toFixed(1)} ms)${peak}`);
  const meas = measuredCategorySeconds(step.profile.kernels);
  const twin = twinCategorySeconds(gpu, gptShape(hidden, heads, { layers, vocab, tiedEmbeddings: tied }), {
    mbs, seq, tp: 1, cp: 1, ep: 1, sp: false, attention: 'flash', precision: 'bf16', recompute: step.checkpoint ? 'full' : 'none', weightDtype: step.weights === 'bf16' ? 'bf16' : 'fp32', kernels: 'eager',
  }, withOptimizer);
  if (twin.optimizer !== undefined) twin.optimizer *= optimizerShare;
  for (const cat of Object.keys({ ...meas, ...twin }) as KernelCategory[]) {
    splits.push(`  ${cat.padEnd(12)} measured ${((meas[cat] ?? 0) * 1e3).toFixed(1).padStart(8)} ms   twin ${((twin[cat] ?? 0) * 1e3).toFixed(1).padStart(8)} ms`);
  }
}
// One layer of a reference implementation (measure_inventory.py), forward and backward, by kernel kind:
// llm-foundry's MPT block and Hugging Face's Llama block beside the twin's eager inventory of the same layer.
interface BlockProfile extends Profile {
  shape: { kind: 'mpt' | 'llama'; hidden: number; heads: number; seq: number; mbs: number; weights: 'fp32-autocast' | 'bf16' };
}
for (const [key, value] of Object.entries(measured)) {
  if (!key.startsWith('block:')) continue;
  const b = value as BlockProfile;
  const { kind, hidden, heads, seq, mbs, weights } = b.shape;
  const m: ModelSpec = kind === 'mpt'
    ? { ...resolveModel(catalog, 'mpt-7b'), hidden, heads, kvHeads: heads, ffnHidden: 4 * hidden }
    : { ...resolveModel(catalog, 'llama3-8b'), hidden, heads, kvHeads: heads, ffnHidden: (11008 * hidden) / 4096 };
  const s: ShardShape = { mbs, seq, tp: 1, cp: 1, ep: 1, sp: false, attention: 'flash', precision: 'bf16', recompute: 'none', weightDtype: weights === 'bf16' ? 'bf16' : 'fp32', kernels: 'eager' };
  const k = layerKernels(m, s);
  const twin: Partial<Record<KernelCategory, number>> = {};
  for (const kernel of [...k.forward, ...k.backward]) {
    const c = twinCategory(kernel);
    twin[c] = (twin[c] ?? 0) + kernelSeconds(gpu, kernel);
  }
  const meas = measuredCategorySeconds(b.kernels);
  const name = key.slice('block:'.length);
  row(`layer ${name} (${kind} reference block)`, b.kernelSeconds * 1e3, kernelsSeconds(gpu, [...k.forward, ...k.backward]) * 1e3, 'ms');
  splits.push(`${name} (one layer, forward and backward, GPU time)`);
  for (const cat of Object.keys({ ...meas, ...twin }) as KernelCategory[]) {
    splits.push(`  ${cat.padEnd(12)} measured ${((meas[cat] ?? 0) * 1e3).toFixed(2).padStart(8)} ms   twin ${((twin[cat] ?? 0) * 1e3).toFixed(2).padStart(8)} ms`);
  }
}
for (const [key, value] of Object.entries(measured)) {
  const te = /^teLayer:(.+):(bf16|fp8)$/.exec(key);
  if (!te) continue;
  const shape = { 'gpt3-5b': [4096, 32, 2048, 4], 'mcore-1.7b': [2048, 16, 4096, 1] }[te[1]];
  if (!shape) continue;
  const [hidden, heads, seq, mbs] = shape;
  const m = gptShape(hidden, heads);
  const s: ShardShape = { mbs, seq, tp: 1, cp: 1, ep: 1, sp: false, attention: 'flash', precision: te[2] as 'bf16' | 'fp8', recompute: 'none', weightDtype: 'bf16', kernels: 'fused' };
  const k = layerKernels(m, s);
  row(`TE layer fwd+bwd ${te[1]} ${te[2]}`, (value as { seconds: number }).seconds * 1e3, kernelsSeconds(gpu, [...k.forward, ...k.backward]) * 1e3, 'ms');
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
if (splits.length) process.stdout.write(`\nWhere one GPU's step goes (profiler, by kernel category)\n${splits.join('\n')}\n`);
for (const [section, message] of Object.entries(measured.errors ?? {})) process.stdout.write(`not measured: ${section}: ${message}\n`);
