/**
 * Transcribes the serving validation rows from the shared copy of NVIDIA AIConfigurator's measured
 * runs (../shared/validation/serving/aiconfigurator-silicon-sample.csv) into validation/, so the
 * project stands on its own. The rule was written down before any prediction was compared:
 *
 *   every aggregated (mode `agg`) run on H100 SXM with one pipeline stage and no attention data
 *   parallelism (pp_size 1; attention_dp_size 1 or blank), of a model the twin has a preset for
 *   (Llama 3.1 8B, Llama 3.1 70B, Qwen3-32B, Qwen3-235B-A22B), in 16-bit (blank precision) or
 *   FP8 (per-tensor or block scales alike); every backend, ISL/OSL and concurrency.
 *
 * Left out by the rule: gpt-oss-120b (MXFP4 on H100 is a weight format the twin lacks, and its
 * sliding-window layers are not modelled), MiniMax-M2.5 (no preset), disaggregated runs (not
 * modelled yet), B200 and GB200 rows (the presets are derived, not measured; a group of their own).
 *
 * Run: npx tsx scripts/transcribe-serving.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/node/presets.js';

const SOURCE = 'ai-dynamo/aiconfigurator @095f58a5 aic-core/src/aiconfigurator_core/systems/silicon_sample.csv (Apache-2.0), via shared/validation/serving';
const PRESET: Record<string, string> = {
  'meta-llama/Llama-3.1-8B-Instruct': 'llama3.1-8b',
  'meta-llama/Llama-3.1-70B': 'llama3.1-70b',
  'Qwen/Qwen3-32B': 'qwen3-32b',
  'Qwen/Qwen3-235B-A22B-FP8': 'qwen3-235b-a22b',
};

const root = packageRoot();
const text = readFileSync(join(root, '..', 'shared', 'validation', 'serving', 'aiconfigurator-silicon-sample.csv'), 'utf8');
const [head, ...lines] = text.trim().split(/\r?\n/);
const col = Object.fromEntries(head.split(',').map((name, i) => [name, i]));
const out = ['# Measured serving runs on H100 SXM (NVIDIA AIConfigurator silicon sample), transcribed by scripts/transcribe-serving.ts.', `# source: ${SOURCE}`, '# rule: see scripts/transcribe-serving.ts (aggregated, H100 SXM, pp 1, no attention DP, models with a preset, 16-bit or FP8)', 'id,backend,preset,precision,isl,osl,concurrency,tp,ep,ttft_ms,tpot_ms'];
for (const line of lines) {
  const f = line.split(',');
  const get = (name: string): string => f[col[name]] ?? '';
  const preset = PRESET[get('model_path')];
  if (!preset || get('system') !== 'h100_sxm' || get('mode') !== 'agg' || get('pp_size') !== '1') continue;
  if (!['', '1'].includes(get('attention_dp_size'))) continue;
  const precision = get('precision') === '' ? 'bf16' : get('precision');
  if (!['bf16', 'fp8'].includes(precision)) continue;
  const ep = get('moe_ep_size') === '' ? '1' : get('moe_ep_size');
  out.push([get('id'), get('backend'), preset, precision, get('isl'), get('osl'), get('batch_size'), get('tp_size'), ep === '0' ? '1' : ep, get('silicon_ttft_ms'), get('silicon_tpot_ms')].join(','));
}
writeFileSync(join(root, 'validation', 'serving-h100-agg.csv'), `${out.join('\n')}\n`);
console.log(`wrote validation/serving-h100-agg.csv (${out.length - 4} runs)`);
