/**
 * The Hugging Face config.json importer (src/interop/hf-config.ts) against committed copies of the
 * real configs of the model presets (test/fixtures/hf, sources in SOURCES.md), and --model FILE at
 * the CLI edge.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { catalog } from './support/catalog.js';
import { runCli } from './support/cli.js';
import { modelFromHfConfig } from '../src/interop/hf-config.js';
import { completeModel, ModelSpecSchema, type ModelSpec } from '../src/config/model-schema.js';
import { activeParamsPerToken, headDim, totalParams } from '../src/model/transformer.js';
import { ClusterTwinError } from '../src/errors.js';

const FIXTURES = new URL('./fixtures/hf/', import.meta.url);
const fixturePath = (f: string): string => new URL(f, FIXTURES).pathname;
const readFixture = (f: string): Record<string, unknown> => JSON.parse(readFileSync(fixturePath(f), 'utf8')) as Record<string, unknown>;
const configs = readdirSync(FIXTURES).filter((f) => f.endsWith('.config.json')).sort();

const complete = (m: unknown): ModelSpec => completeModel(ModelSpecSchema.parse(m));

/** The shape a preset and its config must share. */
function shape(m: ModelSpec): Record<string, unknown> {
  return {
    layers: m.layers,
    hidden: m.hidden,
    heads: m.heads,
    kvHeads: m.kvHeads,
    headDim: headDim(m),
    ffnHidden: m.ffnHidden,
    ffnAct: m.ffnAct,
    vocab: m.vocab,
    tiedEmbeddings: m.tiedEmbeddings,
    norm: m.norm,
    bias: m.bias,
    positional: m.positional,
    moe: m.moe ?? null,
    mla: m.mla ?? null,
    maxSeq: m.maxSeq ?? null,
  };
}

/**
 * Where a preset's field differs from its published config. Reported to the maintainers, not
 * edited silently: each side is asserted, so the test fails when either changes.
 */
const KNOWN_DIFFERENCES: Record<string, Record<string, { config: unknown; preset: unknown }>> = {
  // mistralai/Mixtral-8x7B-v0.1 config.json: max_position_embeddings 32768; the preset trains at 4096.
  'mixtral-8x7b': { maxSeq: { config: 32768, preset: 4096 } },
  // Qwen/Qwen3-30B-A3B config.json: max_position_embeddings 40960 (as its siblings qwen3-32b and
  // qwen3-235b-a22b, whose presets say 40960); the preset says 4096.
  'qwen3-30b-a3b': { maxSeq: { config: 40960, preset: 4096 } },
};

describe('committed Hugging Face configs import to their presets', () => {
  it('has a copy for the presets whose configs were found (SOURCES.md lists the rest)', () => {
    expect(configs.length).toBeGreaterThanOrEqual(10);
    const sources = readFileSync(fixturePath('SOURCES.md'), 'utf8');
    for (const f of configs) expect(sources).toContain(f);
  });

  it.each(configs)('%s: the preset shape and parameter count', (file) => {
    const preset = file.replace(/\.config\.json$/, '');
    expect(catalog.models[preset], `no preset ${preset}`).toBeDefined();
    const imported = modelFromHfConfig(readFixture(file), preset);
    const got = shape(complete(imported.model));
    const want = shape(complete(catalog.models[preset]));
    for (const [field, d] of Object.entries(KNOWN_DIFFERENCES[preset] ?? {})) {
      expect(got[field], `${preset}.${field} as the config gives it`).toEqual(d.config);
      expect(want[field], `${preset}.${field} as the preset gives it`).toEqual(d.preset);
      delete got[field];
      delete want[field];
    }
    expect(got).toEqual(want);
    expect(totalParams(complete(imported.model))).toBe(totalParams(complete(catalog.models[preset])));
  });

  it.each(configs)('%s: every key is mapped, ignored or approximated', (file) => {
    const cfg = readFixture(file);
    const imported = modelFromHfConfig(cfg);
    const accounted = new Set([...imported.mapped, ...imported.ignored, ...imported.approximated].map((e) => e.key));
    for (const key of Object.keys(cfg)) expect(accounted.has(key), key).toBe(true);
    for (const e of imported.ignored) expect(e.why.length).toBeGreaterThan(5);
  });

  it('DeepSeek-R1: MLA, one shared expert and three dense layers; 671B parameters, about 37B active', () => {
    const m = complete(modelFromHfConfig(readFixture('deepseek-r1.config.json')).model);
    // DeepSeek-V3 README_WEIGHTS.md: 671B main model, 36.6B activated (the MTP module apart).
    expect(totalParams(m) / 1e9).toBeCloseTo(671, -1);
    expect(activeParamsPerToken(m) / 1e9).toBeCloseTo(37, 0);
  });

  it('gpt-oss-120b: its alternate 128-token windows are approximated as full attention, and said so', () => {
    const imported = modelFromHfConfig(readFixture('gpt-oss-120b.config.json'));
    const sw = imported.approximated.find((a) => a.key === 'sliding_window');
    expect(sw?.why).toMatch(/128-token window on 18 of 36 layers/);
  });
});

describe('other families (configs transcribed from their model repositories)', () => {
  // openai-community/gpt2 config.json (as transcribed in the torchKQI examples): GPT-2 small.
  const gpt2 = {
    activation_function: 'gelu_new', architectures: ['GPT2LMHeadModel'], attn_pdrop: 0.1, bos_token_id: 50256, embd_pdrop: 0.1, eos_token_id: 50256,
    initializer_range: 0.02, layer_norm_epsilon: 1e-5, model_type: 'gpt2', n_ctx: 1024, n_embd: 768, n_head: 12, n_layer: 12, n_positions: 1024,
    resid_pdrop: 0.1, summary_activation: null, summary_first_dropout: 0.1, summary_proj_to_labels: true, summary_type: 'cls_index', summary_use_proj: true,
    task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } }, vocab_size: 50257,
  };

  it('GPT-2: 124,439,808 parameters, as transformers counts GPT2LMHeadModel for gpt2', () => {
    const imported = modelFromHfConfig(gpt2);
    const m = complete(imported.model);
    expect(m).toMatchObject({ layers: 12, hidden: 768, heads: 12, ffnHidden: 3072, ffnAct: 'gelu', tiedEmbeddings: true, positional: 'learned', norm: 'layernorm', bias: true, dropout: true });
    expect(totalParams(m)).toBe(124_439_808);
    expect(imported.model.name).toBe('gpt2');
  });

  // mistralai/Mistral-7B-Instruct-v0.1 config.json (as printed in a model survey): a uniform 4,096-token window.
  const mistral = {
    architectures: ['MistralForCausalLM'], attention_dropout: 0.0, bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu', hidden_size: 4096, initializer_range: 0.02,
    intermediate_size: 14336, max_position_embeddings: 32768, model_type: 'mistral', num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8,
    rms_norm_eps: 1e-5, rope_theta: 10000.0, sliding_window: 4096, tie_word_embeddings: false, torch_dtype: 'bfloat16', transformers_version: '4.40.0.dev0', use_cache: true, vocab_size: 32000,
  };

  it('Mistral 7B v0.1: GQA, and its 4,096-token window approximated as full attention', () => {
    const imported = modelFromHfConfig(mistral, 'mistral-7b');
    expect(complete(imported.model)).toMatchObject({ kvHeads: 8, ffnHidden: 14336, ffnAct: 'swiglu', maxSeq: 32768 });
    expect(imported.approximated.map((a) => a.key)).toContain('sliding_window');
    // A window no shorter than the context changes nothing: ignored.
    expect(modelFromHfConfig({ ...mistral, sliding_window: 32768 }).approximated).toEqual([]);
  });

  // google/gemma-2-2b config.json (as transcribed in the torchKQI examples).
  const gemma2 = {
    architectures: ['Gemma2ForCausalLM'], attention_bias: false, attention_dropout: 0.0, attn_logit_softcapping: 50.0, bos_token_id: 2, cache_implementation: 'hybrid',
    eos_token_id: 1, final_logit_softcapping: 30.0, head_dim: 256, hidden_act: 'gelu_pytorch_tanh', hidden_activation: 'gelu_pytorch_tanh', hidden_size: 2304,
    initializer_range: 0.02, intermediate_size: 9216, max_position_embeddings: 8192, model_type: 'gemma2', num_attention_heads: 8, num_hidden_layers: 26,
    num_key_value_heads: 4, pad_token_id: 0, query_pre_attn_scalar: 256, rms_norm_eps: 1e-6, rope_theta: 10000.0, sliding_window: 4096, torch_dtype: 'float32',
    transformers_version: '4.42.4', use_cache: true, vocab_size: 256000,
  };

  it('Gemma 2: a decoupled head_dim, tied embeddings, GeGLU taken as SwiGLU and said so', () => {
    const imported = modelFromHfConfig(gemma2);
    expect(complete(imported.model)).toMatchObject({ headDim: 256, kvHeads: 4, tiedEmbeddings: true, ffnAct: 'swiglu', norm: 'rmsnorm' });
    const keys = imported.approximated.map((a) => a.key);
    expect(keys).toContain('hidden_activation');
    expect(keys).toContain('sliding_window');
  });

  it('Qwen2: q/k/v biases said to be left out, the unused sliding window ignored', () => {
    const qwen2 = {
      architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151643, hidden_act: 'silu', hidden_size: 3584, initializer_range: 0.02,
      intermediate_size: 18944, max_position_embeddings: 131072, max_window_layers: 28, model_type: 'qwen2', num_attention_heads: 28, num_hidden_layers: 28,
      num_key_value_heads: 4, rms_norm_eps: 1e-6, rope_theta: 1000000.0, sliding_window: 131072, tie_word_embeddings: false, torch_dtype: 'bfloat16',
      transformers_version: '4.37.2', use_cache: true, use_sliding_window: false, vocab_size: 152064,
    };
    const imported = modelFromHfConfig(qwen2);
    expect(imported.model.bias).toBe(false);
    expect(imported.approximated.map((a) => a.why).join(' ')).toMatch(/q, k and v projections only/);
    expect(imported.ignored.map((a) => a.key)).toContain('use_sliding_window');
  });
});

describe('what the importer refuses, naming the key', () => {
  const llama = readFixture('llama3.1-8b.config.json');
  const deepseek = readFixture('deepseek-r1.config.json');
  const qwenMoe = readFixture('qwen3-30b-a3b.config.json');
  const refuses = (cfg: unknown, key: string, detail: RegExp) => {
    let err: unknown;
    try {
      modelFromHfConfig(cfg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClusterTwinError);
    expect((err as ClusterTwinError).path).toBe(key);
    expect((err as ClusterTwinError).detail).toMatch(detail);
  };

  it.each([
    ['an unknown model_type', { ...llama, model_type: 'falcon' }, 'model_type', /"falcon" is not a family.*allowed: llama/],
    ['no model_type nor known architecture', { hidden_size: 8 }, 'model_type', /missing/],
    ['an unknown key', { ...llama, frobnicate: 1 }, 'frobnicate', /not a llama key/],
    ['a missing shape key', { ...llama, num_hidden_layers: undefined }, 'num_hidden_layers', /missing/],
    ['a fractional count', { ...llama, hidden_size: 4096.5 }, 'hidden_size', /whole number/],
    ['an out-of-range count', { ...llama, num_hidden_layers: 0 }, 'num_hidden_layers', /out of range/],
    ['an unknown activation', { ...llama, hidden_act: 'tanh' }, 'hidden_act', /allowed: silu/],
    ['mlp_bias unlike attention_bias', { ...llama, attention_bias: true, mlp_bias: false }, 'mlp_bias', /one bias flag/],
    ['moe_layer_freq other than 1', { ...deepseek, moe_layer_freq: 2 }, 'moe_layer_freq', /allowed: 1/],
    ['uncompressed MLA queries', { ...deepseek, q_lora_rank: null }, 'q_lora_rank', /V2-Lite/],
    ['dense layers among MoE layers', { ...qwenMoe, mlp_only_layers: [0, 5] }, 'mlp_only_layers', /allowed: \[\]/],
    ['MoE on every other layer', { ...qwenMoe, decoder_sparse_step: 2 }, 'decoder_sparse_step', /allowed: 1/],
    ['a multimodal config', { model_type: 'gemma3', text_config: { model_type: 'gemma3_text' }, vision_config: {} }, 'text_config', /vision tower/],
    ['an encoder-decoder', { ...llama, is_encoder_decoder: true }, 'is_encoder_decoder', /decoder-only/],
  ])('%s', (_what, cfg, key, detail) => refuses(cfg, key, detail));

  it('a config that is not an object', () => refuses([1, 2], '', /one JSON object/));
});

describe('--model FILE on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clustertwin-hf-'));
  const llama = readFixture('llama3.1-8b.config.json');
  writeFileSync(join(dir, 'bad.json'), '{"model_type": "llama",');
  writeFileSync(join(dir, 'unknown-key.json'), JSON.stringify({ ...llama, frobnicate: 1 }));
  mkdirSync(join(dir, 'models'));
  writeFileSync(join(dir, 'models', 'config.json'), JSON.stringify(llama));
  writeFileSync(join(dir, 'scenario.yaml'), 'model: ./models/config.json\ngpus: 64\n');
  writeFileSync(join(dir, 'scenario-missing.yaml'), 'model: ./nowhere.json\n');

  it('simulate --json gives params and activeParams, the same as the preset the config describes', async () => {
    const fromFile = await runCli(['simulate', '--model', fixturePath('llama3.1-8b.config.json'), '--gpus', '64', '--json']);
    expect(fromFile.code).toBe(0);
    const preset = await runCli(['simulate', '--model', 'llama3.1-8b', '--gpus', '64', '--json']);
    const a = JSON.parse(fromFile.stdout) as Record<string, unknown>;
    const b = JSON.parse(preset.stdout) as Record<string, unknown>;
    expect(a.params).toBe(totalParams(complete(catalog.models['llama3.1-8b'])));
    expect(a.params).toBe(b.params);
    expect(a.activeParams).toBe(b.activeParams);
    expect(a.stepTimeSeconds).toBe(b.stepTimeSeconds);
  });

  it('the table says the parameter count; an MoE model says its active parameters too', async () => {
    const r = await runCli(['simulate', '--model', 'mixtral-8x7b', '--gpus', '64']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/parameters\s+46\.\dB, 12\.\dB active per token/);
  });

  it('a scenario file reads model: ./config.json relative to itself', async () => {
    const r = await runCli(['simulate', '--config', join(dir, 'scenario.yaml'), '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { params: number }).params).toBe(totalParams(complete(catalog.models['llama3.1-8b'])));
  });

  it('serve takes a config file too, and notes its approximations on stderr', async () => {
    const r = await runCli(['serve', '--model', fixturePath('gpt-oss-120b.config.json'), '--concurrency', '2', '--requests', '4', '--isl', '128', '--osl', '16', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: .*gpt-oss-120b\.config\.json: sliding_window: /);
  });

  it.each([
    [['simulate', '--model', join(dir, 'bad.json')], /--model: .*bad\.json: not valid JSON/],
    [['simulate', '--model', join(dir, 'missing.json')], /--model: cannot read .*missing\.json \(ENOENT\)/],
    [['simulate', '--model', dir + '/'], /is a folder, not a model config\.json/],
    [['simulate', '--model', join(dir, 'unknown-key.json')], /unknown-key\.json: frobnicate: not a llama key/],
    [['plan', '--model', join(dir, 'unknown-key.json'), '--gpus', '64'], /unknown-key\.json: frobnicate: /],
    [['sweep', '--model', join(dir, 'bad.json'), '--gpus', '64'], /bad\.json: not valid JSON/],
    [['reliability', '--model', join(dir, 'bad.json')], /bad\.json: not valid JSON/],
    [['serve', '--model', join(dir, 'unknown-key.json')], /unknown-key\.json: frobnicate: /],
    [['simulate', '--config', join(dir, 'scenario-missing.yaml')], /model: cannot read .*nowhere\.json/],
  ])('%j: one line, exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
