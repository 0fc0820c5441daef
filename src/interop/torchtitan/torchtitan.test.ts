import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { loadPresets, packageRoot } from '../../node/presets.js';
import { resolveScenario } from '../../engine.js';
import { resolveModel } from '../../config/catalog.js';
import type { ScenarioInput } from '../../config/scenario-input.js';
import { ClusterTwinError } from '../../errors.js';
import { exportTorchtitan, torchtitanFlavorOf } from './export.js';
import { importTorchtitanToml } from './import.js';
import { TORCHTITAN_FLAVORS, TORCHTITAN_KEYS, TORCHTITAN_OPTIONS, torchtitanOption } from './options.js';
import { moduleFqnsForSplit, layersOfModuleFqns, torchtitanStageLayers } from './pipeline-split.js';
import { flattenTable } from './toml-table.js';

const catalog = loadPresets();
const fixture = (name: string) => readFileSync(join(packageRoot(), 'test/fixtures/torchtitan', name), 'utf8');

/** Every key the file sets is a JobConfig key at v0.2.2, and its value fits the transcribed option. */
function expectValidJob(text: string): void {
  for (const [key, value] of flattenTable(parse(text) as Record<string, unknown>)) {
    expect(TORCHTITAN_KEYS.has(key), key).toBe(true);
    const o = torchtitanOption(key);
    expect(o, `${key} has a transcribed option`).toBeDefined();
    if (!o) continue;
    const values = Array.isArray(value) ? value.flat() : [value];
    for (const v of values) {
      if (o.type === 'int') expect(Number.isInteger(v), key).toBe(true);
      if (o.type === 'flag') expect(typeof v, key).toBe('boolean');
      if (o.type === 'choice' || o.choices) expect(o.choices, key).toContain(v);
      if (typeof v === 'number' && o.min !== undefined) expect(v, key).toBeGreaterThanOrEqual(o.min);
      if (typeof v === 'number' && o.max !== undefined) expect(v, key).toBeLessThanOrEqual(o.max);
    }
  }
}

/** Torchtitan-shaped defaults: eager PyTorch kernels and loss, FSDP2 with bf16 param_dtype. */
const base = { kernels: 'eager', lossKernel: 'eager', optimizerKernel: 'fused', weightDtype: 'bf16', gradReduceDtype: 'fp32' } as const;

const CASES: Array<[string, ScenarioInput, string[]]> = [
  ['FSDP, selective-op AC', { ...base, system: 'dgx-h100', model: 'llama3.1-8b', gpus: 16, tp: 1, pp: 1, zero: 3, zeroBucketParams: 0, mbs: 2, gbs: 64, seq: 8192, recompute: 'selective-op', tokens: 64 * 8192 * 100 }, []],
  ['TP + FSDP, compiled, async TP, full AC', { ...base, kernels: 'fused', system: 'dgx-h100', model: 'llama3.1-70b', gpus: 64, tp: 8, pp: 1, zero: 3, mbs: 1, gbs: 32, seq: 8192, recompute: 'full', overlap: 'tp,dp,pp', tokens: 32 * 8192 * 10 }, []],
  ['CP + FSDP, no AC', { ...base, system: 'dgx-h100', model: 'llama3.1-8b', gpus: 16, tp: 1, pp: 1, cp: 4, zero: 3, mbs: 1, gbs: 16, seq: 32768, recompute: 'none', tokens: 16 * 32768 * 10 }, []],
  ['FP8 tensorwise (current)', { ...base, system: 'dgx-h100', model: 'llama3.1-8b', gpus: 8, tp: 1, pp: 1, zero: 3, mbs: 1, gbs: 8, seq: 8192, precision: 'fp8', fp8Recipe: 'current', recompute: 'selective-op', tokens: 8 * 8192 * 10 }, []],
  ['MXFP8 on B200', { ...base, system: 'dgx-b200', model: 'llama3.1-8b', gpus: 8, tp: 1, pp: 1, zero: 3, mbs: 1, gbs: 8, seq: 8192, precision: 'fp8', fp8Recipe: 'mxfp8', recompute: 'full', tokens: 8 * 8192 * 10 }, []],
  ['DDP (autocast over fp32 weights)', { ...base, weightDtype: 'fp32', system: 'dgx-h100', model: 'llama3.1-8b', gpus: 8, tp: 1, pp: 1, zero: 0, mbs: 1, gbs: 32, seq: 4096, recompute: 'full', optimizerKernel: 'foreach', tokens: 32 * 4096 * 10 }, []],
  ['MoE, EP 8 with ETP 1', { ...base, system: 'dgx-h100', model: 'qwen3-30b-a3b', gpus: 16, tp: 1, pp: 1, ep: 8, etp: 1, zero: 3, mbs: 1, gbs: 16, seq: 4096, recompute: 'full', tokens: 16 * 4096 * 10 }, []],
  // The twin has no ZeRO-3 under PP, so PP + FSDP goes out as FSDP and comes back as ZeRO-1: named.
  ['PP 4 with 16 micro-batches (1F1B)', { ...base, system: 'dgx-h100', model: 'llama3.1-70b', gpus: 32, tp: 2, pp: 4, zero: 1, mbs: 1, gbs: 64, seq: 4096, recompute: 'full', tokens: 64 * 4096 * 10 }, ['zero']],
  ['PP 4 x VP 2 (Interleaved1F1B), uneven split', { ...base, system: 'dgx-h100', model: 'llama3.1-70b', gpus: 32, tp: 2, pp: 4, vp: 2, zero: 1, mbs: 2, gbs: 64, seq: 4096, layersPerStage: [18, 22, 22, 18], recompute: 'selective-op', tokens: 64 * 4096 * 10 }, ['zero']],
];

describe('torchtitan export then import', () => {
  for (const [name, input, named] of CASES) {
    it(`${name}: same resolved scenario, valid options`, () => {
      const s = resolveScenario(input, catalog);
      const out = exportTorchtitan(s);
      expect(out.unsupported.map((u) => u.setting)).toEqual(named);
      expect(out.command).toEqual(['-m', 'torchtitan.train', '--job.config_file', 'job.toml']);
      expectValidJob(out.files[0].text);
      const back = importTorchtitanToml(out.files[0].text, 'job.toml');
      expect(back.unknown).toEqual([]);
      expect(resolveScenario({ ...back.scenario, system: input.system } as ScenarioInput, catalog)).toEqual(s);
    });
  }

  it('HSDP imports as FSDP over replicate x shard, says so, and round-trips from there', () => {
    const text = '[model]\nname = "llama3"\nflavor = "8B"\n[training]\nlocal_batch_size = 2\nseq_len = 8192\nsteps = 10\n[parallelism]\ndata_parallel_replicate_degree = 2\ndata_parallel_shard_degree = 8\n[activation_checkpoint]\nmode = "full"\n';
    const imp = importTorchtitanToml(text, 'hsdp.toml');
    expect(imp.scenario).toMatchObject({ gpus: 16, zero: 3, gbs: 32, mbs: 2 });
    expect(imp.ignored.find((i) => i.option === 'parallelism.data_parallel_replicate_degree')?.why).toMatch(/^approximated: HSDP/);
    const s = resolveScenario({ ...imp.scenario, system: 'dgx-h100' } as ScenarioInput, catalog);
    expect(s.exec.dp).toBe(16);
    const out = exportTorchtitan(s);
    expect(out.unsupported).toEqual([]);
    const again = importTorchtitanToml(out.files[0].text, 'job.toml');
    expect(resolveScenario({ ...again.scenario, system: 'dgx-h100' } as ScenarioInput, catalog)).toEqual(s);
  });

  it('names twin settings torchtitan has no option for', () => {
    const s = resolveScenario({ system: 'dgx-h100', model: 'llama3.1-8b', gpus: 16, tp: 2, pp: 1, zero: 1, recompute: 'selective', precision: 'fp8', gradBuffer: 'megatron' }, catalog);
    const named = exportTorchtitan(s).unsupported.map((u) => u.setting);
    // The twin's defaults: Megatron's distributed optimizer, attention-core recompute, delayed FP8, fused loss.
    for (const setting of ['zero', 'recompute', 'fp8Recipe', 'lossKernel', 'gradBuffer']) expect(named).toContain(setting);
    const other = resolveScenario({ system: 'dgx-h100', model: 'gpt3-175b', gpus: 64, tp: 8, pp: 8, zero: 1 }, catalog);
    expect(exportTorchtitan(other).unsupported.map((u) => u.setting)).toContain('model');
  });
});

describe('torchtitan import of its published train configs (v0.2.2)', () => {
  it('llama3_8b.toml on its 64 GPUs: FSDP 64, per-op SAC, bf16', () => {
    const imp = importTorchtitanToml(fixture('llama3_8b.toml'), 'llama3_8b.toml', { gpus: 64 });
    expect(imp.scenario).toMatchObject({ model: 'llama3.1-8b', gpus: 64, tp: 1, pp: 1, cp: 1, zero: 3, zeroBucketParams: 0, mbs: 1, gbs: 64, seq: 8192, recompute: 'selective-op', precision: 'bf16', kernels: 'eager', tokens: 1000 * 64 * 8192 });
    expect(imp.unknown).toEqual([]);
    const s = resolveScenario({ ...imp.scenario, system: 'dgx-a100-80g' } as ScenarioInput, catalog);
    expect([s.exec.dp, s.exec.microbatches]).toEqual([64, 1]);
  });

  it('llama3_70b.toml: TP 8 x FSDP 8, full AC', () => {
    const imp = importTorchtitanToml(fixture('llama3_70b.toml'), 'llama3_70b.toml', { gpus: 64 });
    expect(imp.scenario).toMatchObject({ model: 'llama3.1-70b', gpus: 64, tp: 8, pp: 1, zero: 3, mbs: 8, gbs: 64, recompute: 'full', precision: 'bf16' });
    const s = resolveScenario({ ...imp.scenario, system: 'dgx-a100-80g' } as ScenarioInput, catalog);
    expect([s.exec.dp, s.exec.sp]).toEqual([8, true]);
  });

  it('llama3_405b.toml on 128 H100: TP 8 x FSDP 16, float8 tensorwise, compiled with async TP', () => {
    const imp = importTorchtitanToml(fixture('llama3_405b.toml'), 'llama3_405b.toml', { gpus: 128 });
    expect(imp.scenario).toMatchObject({ model: 'llama3.1-405b', gpus: 128, tp: 8, zero: 3, mbs: 2, gbs: 32, recompute: 'full', precision: 'fp8', fp8Recipe: 'current', kernels: 'fused', overlap: { tp: true, dp: true, pp: true } });
    // The file names the converter "float8", which v0.2.2's registry no longer knows: read, and said.
    expect(imp.ignored.some((i) => i.option === 'model.converters' && /renamed/.test(i.why))).toBe(true);
    expect(resolveScenario({ ...imp.scenario, system: 'dgx-h100' } as ScenarioInput, catalog).exec.dp).toBe(16);
  });

  it('each published config re-exports with nothing unsupported and reads back the same', () => {
    for (const [file, gpus, system] of [['llama3_8b.toml', 64, 'dgx-a100-80g'], ['llama3_70b.toml', 64, 'dgx-a100-80g'], ['llama3_405b.toml', 128, 'dgx-h100']] as const) {
      const s = resolveScenario({ ...importTorchtitanToml(fixture(file), file, { gpus }).scenario, system } as ScenarioInput, catalog);
      const out = exportTorchtitan(s);
      expect(out.unsupported, file).toEqual([]);
      expectValidJob(out.files[0].text);
      expect(resolveScenario({ ...importTorchtitanToml(out.files[0].text, 'job.toml').scenario, system } as ScenarioInput, catalog), file).toEqual(s);
    }
  });

  it('needs the world size when shard and global batch are both left to it', () => {
    expect(() => importTorchtitanToml(fixture('llama3_8b.toml'), 'llama3_8b.toml')).toThrow(/gpus|GPU count/);
    // 60 GPUs do not divide into TP 8 groups.
    expect(() => importTorchtitanToml(fixture('llama3_70b.toml'), 'llama3_70b.toml', { gpus: 60 })).toThrow(/not divisible/);
  });

  it('lists unknown keys and keeps going', () => {
    const text = `${fixture('llama3_8b.toml')}\n[bogus]\nx = 1\n`.replace('[parallelism]\n', '[parallelism]\nmagic_degree = 3\n');
    expect(importTorchtitanToml(text, 'x.toml', { gpus: 8 }).unknown.sort()).toEqual(['bogus.x', 'parallelism.magic_degree']);
  });

  it('refuses what it cannot map, naming the key', () => {
    const job = (extra: string) => `[model]\nname = "llama3"\nflavor = "8B"\n[training]\nglobal_batch_size = 64\n${extra}`;
    const key = (text: string) => {
      try {
        importTorchtitanToml(text, 'x.toml');
      } catch (e) {
        return (e as ClusterTwinError).path;
      }
      return 'no error';
    };
    expect(key(job('[activation_checkpoint]\nmode = "selective"\nselective_ac_option = "2"\n'))).toBe('activation_checkpoint.selective_ac_option');
    expect(key(job('[activation_checkpoint]\nmode = "memory_budget"\n'))).toBe('activation_checkpoint.mode');
    expect(key(job('[parallelism]\ntensor_parallel_degree = "two"\n'))).toBe('parallelism.tensor_parallel_degree');
    expect(key('[model]\nname = "llama3"\nflavor = "debugmodel"\n')).toBe('model.flavor');
    expect(key(job('[parallelism]\npipeline_parallel_degree = 2\ndata_parallel_shard_degree = 4\npipeline_parallel_schedule = "ZBVZeroBubble"\n[activation_checkpoint]\nmode = "full"\n'))).toBe('parallelism.pipeline_parallel_schedule');
    expect(key('[model\n')).toBe('x.toml');
  });
});

describe('torchtitan flavors and stage splits', () => {
  it('every transcribed option is a JobConfig key at v0.2.2', () => {
    expect(TORCHTITAN_KEYS.size).toBe(149);
    for (const o of TORCHTITAN_OPTIONS) expect(TORCHTITAN_KEYS.has(o.name), o.name).toBe(true);
  });

  it('each flavor has the shape of the preset it maps to', () => {
    for (const f of TORCHTITAN_FLAVORS) expect(torchtitanFlavorOf(resolveModel(catalog, f.preset)), f.preset).toEqual(f);
  });

  it('splits stages as generate_llm_fqn_per_model_part does', () => {
    // 126 layers + embedding + output = 128 over 16 stages: 7, 8 x 14, 7.
    expect(torchtitanStageLayers(16, 126)).toEqual([7, ...Array(14).fill(8), 7]);
    // 80 + 2 over 8 virtual stages: 10 + 2 extra to the first two, less the ends' weights.
    expect(torchtitanStageLayers(8, 80)).toEqual([10, 11, 10, 10, 10, 10, 10, 9]);
    const fqns = moduleFqnsForSplit([18, 22, 22, 18], 2);
    expect(fqns[0][0]).toBe('tok_embeddings');
    expect(fqns.at(-1)?.slice(-2)).toEqual(['norm', 'output']);
    expect(layersOfModuleFqns(fqns, 80)).toEqual([9, 11, 11, 9, 9, 11, 11, 9]);
  });

  it('imports PP 16 of the 405B with torchtitan\'s default split', () => {
    const text = '[model]\nname = "llama3"\nflavor = "405B"\n[training]\nlocal_batch_size = 16\nseq_len = 8192\n[parallelism]\ntensor_parallel_degree = 8\npipeline_parallel_degree = 16\ndata_parallel_shard_degree = 4\n[activation_checkpoint]\nmode = "full"\n';
    const imp = importTorchtitanToml(text, 'pp.toml');
    expect(imp.scenario).toMatchObject({ gpus: 512, zero: 1, mbs: 1, gbs: 64, layersPerStage: [7, ...Array(14).fill(8), 7] });
    const s = resolveScenario({ ...imp.scenario, system: 'dgx-h100' } as ScenarioInput, catalog);
    expect(s.exec.microbatches).toBe(16);
  });
});
