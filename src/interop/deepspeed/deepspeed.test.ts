import { describe, expect, it } from 'vitest';
import { loadPresets } from '../../node/presets.js';
import { resolveScenario } from '../../engine.js';
import type { ScenarioInput } from '../../config/scenario-input.js';
import { ClusterTwinError } from '../../errors.js';
import { exportDeepspeed } from './export.js';
import { importDeepspeedConfig } from './import.js';
import { DEEPSPEED_OPTIONS, DEEPSPEED_TOP_KEYS, DEEPSPEED_ZERO_KEYS, deepspeedOption } from './options.js';

const catalog = loadPresets();

/** Leaves of a JSON object keyed by dotted path. */
function leaves(o: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(o).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? leaves(v as Record<string, unknown>, key) : [[key, v] as [string, unknown]];
  });
}

/** Every key the config sets is documented at v0.19.5 and its value fits the transcribed option. */
function expectValidConfig(config: Record<string, unknown>): void {
  for (const key of Object.keys(config)) expect(DEEPSPEED_TOP_KEYS.has(key), key).toBe(true);
  for (const key of Object.keys((config.zero_optimization ?? {}) as object)) expect(DEEPSPEED_ZERO_KEYS.has(key), key).toBe(true);
  for (const [key, v] of leaves(config)) {
    const o = deepspeedOption(key);
    expect(o, `${key} has a transcribed option`).toBeDefined();
    if (!o) continue;
    if (o.type === 'int') expect(Number.isInteger(v), key).toBe(true);
    if (o.type === 'flag') expect(typeof v, key).toBe('boolean');
    if (o.type === 'choice') expect(o.choices, key).toContain(v);
    if (typeof v === 'number' && o.min !== undefined) expect(v, key).toBeGreaterThanOrEqual(o.min);
    if (typeof v === 'number' && o.max !== undefined) expect(v, key).toBeLessThanOrEqual(o.max);
  }
}

/** The scenario fields ds_config (with the launcher's world size) carries; the rest the training script sets. */
const DS_FIELDS = ['gpus', 'tp', 'pp', 'sp', 'ep', 'etp', 'dp', 'gbs', 'mbs', 'zero', 'zeroBucketParams', 'overlap', 'precision', 'weightDtype', 'gradReduceDtype', 'optimizerKernel'];
const scriptPart = (input: ScenarioInput) => Object.fromEntries(Object.entries(input).filter(([k]) => !DS_FIELDS.includes(k)));

const common = { model: 'llama3.1-8b', seq: 4096, recompute: 'none', tokens: 1e9 } as const;
const CASES: Array<[string, ScenarioInput]> = [
  ['ZeRO-3, bf16, 5e7 buckets', { ...common, system: 'dgx-h100', gpus: 16, tp: 1, pp: 1, zero: 3, zeroBucketParams: 5e7, mbs: 2, gbs: 64, gradReduceDtype: 'bf16' }],
  ['ZeRO-2, fp16, accumulation 4, torch Adam', { ...common, system: 'dgx-a100-80g', gpus: 8, tp: 1, pp: 1, zero: 2, precision: 'fp16', mbs: 1, gbs: 32, gradReduceDtype: 'fp16', optimizerKernel: 'foreach' }],
  ['ZeRO-1 with AutoTP 4 and TP overlap', { ...common, system: 'dgx-h100', gpus: 16, tp: 4, pp: 1, sp: false, zero: 1, mbs: 1, gbs: 16, overlap: 'tp,dp,pp' }],
  ['no ZeRO, torch_autocast over fp32 weights', { ...common, system: 'dgx-h100', gpus: 8, tp: 1, pp: 1, zero: 0, weightDtype: 'fp32', mbs: 1, gbs: 8, overlap: 'pp' }],
  ['MoE with AutoEP 8', { ...common, model: 'qwen3-30b-a3b', system: 'dgx-h100', gpus: 16, tp: 1, pp: 1, ep: 8, etp: 1, zero: 2, mbs: 1, gbs: 16 }],
];

describe('DeepSpeed export then import', () => {
  for (const [name, input] of CASES) {
    it(`${name}: valid ds_config, same resolved scenario`, () => {
      const s = resolveScenario(input, catalog);
      const out = exportDeepspeed(s);
      expect(out.unsupported).toEqual([]);
      expect(out.command).toEqual(['train.py', '--deepspeed', '--deepspeed_config', 'ds_config.json']);
      const config = JSON.parse(out.files[0].text) as Record<string, unknown>;
      expectValidConfig(config);
      const back = importDeepspeedConfig(config, []);
      expect(back.unknown).toEqual([]);
      expect(resolveScenario({ ...scriptPart(input), ...back.scenario } as ScenarioInput, catalog)).toEqual(s);
    });
  }

  it('names what ds_config cannot say', () => {
    const s = resolveScenario({ system: 'dgx-h100', model: 'llama3.1-70b', gpus: 64, tp: 4, pp: 4, cp: 2, zero: 1, precision: 'fp8', recompute: 'full' }, catalog);
    const named = exportDeepspeed(s).unsupported.map((u) => u.setting);
    expect(named.sort()).toEqual(['cp', 'pp', 'precision', 'recompute', 'sp']);
    const z3 = resolveScenario({ system: 'dgx-h100', model: 'llama3.1-8b', gpus: 16, tp: 1, pp: 1, zero: 3, recompute: 'none' }, catalog);
    expect(exportDeepspeed(z3).unsupported.map((u) => u.setting)).toEqual(['zeroBucketParams']);
  });
});

describe('DeepSpeed options', () => {
  it('every transcribed option sits under a documented section', () => {
    for (const o of DEEPSPEED_OPTIONS) {
      const [top, sub] = o.name.split('.');
      expect(DEEPSPEED_TOP_KEYS.has(top), o.name).toBe(true);
      if (top === 'zero_optimization') expect(DEEPSPEED_ZERO_KEYS.has(sub), o.name).toBe(true);
    }
  });
});

describe('DeepSpeed import', () => {
  it('infers the missing batch size from the launcher\'s world size, and lists unknown keys and flags', () => {
    const config = { train_batch_size: 256, train_micro_batch_size_per_gpu: 4, bf16: { enabled: true }, zero_optimization: { stage: 3, magic: 1 }, gradient_clipping: 1.0, mystery: true };
    const imp = importDeepspeedConfig(config, ['--num_nodes', '2', '--num_gpus=8', '--hostfile', 'h', 'train.py', '--deepspeed']);
    expect(imp.scenario).toMatchObject({ gpus: 16, gbs: 256, mbs: 4, zero: 3, zeroBucketParams: 5e7, precision: 'bf16', gradReduceDtype: 'bf16', overlap: { dp: true } });
    expect(imp.unknown.sort()).toEqual(['--hostfile', 'mystery', 'zero_optimization.magic']);
    expect(imp.ignored.map((i) => i.option)).toContain('gradient_clipping');
  });

  it('refuses what it cannot map, naming the key', () => {
    const path = (config: unknown, argv: string[] = []) => {
      try {
        importDeepspeedConfig(config, argv);
      } catch (e) {
        return (e as ClusterTwinError).path;
      }
      return 'no error';
    };
    expect(path({ train_batch_size: 8, train_micro_batch_size_per_gpu: 1 })).toBe('train_batch_size');
    expect(path({ train_batch_size: 8, train_micro_batch_size_per_gpu: 1, gradient_accumulation_steps: 1 })).toBe('bf16.enabled');
    expect(path({ train_batch_size: 8, train_micro_batch_size_per_gpu: 1, gradient_accumulation_steps: 1, bf16: { enabled: true }, zero_optimization: { stage: 5 } })).toBe('zero_optimization.stage');
    expect(path({ train_batch_size: 8, train_micro_batch_size_per_gpu: 1, gradient_accumulation_steps: 1, bf16: { enabled: true }, zero_optimization: { stage: 2, offload_optimizer: { device: 'cpu' } } })).toBe('zero_optimization.offload_optimizer.device');
    expect(path({ train_batch_size: 9, train_micro_batch_size_per_gpu: 2, gradient_accumulation_steps: 1, bf16: { enabled: true } })).toBe('train_batch_size');
    expect(path([1, 2])).toBe('ds_config');
    expect(path({ train_batch_size: 8, train_micro_batch_size_per_gpu: 1, gradient_accumulation_steps: 1, bf16: { enabled: 'auto' } })).toBe('bf16.enabled');
  });
});
