/**
 * The Megatron-LM importer and exporter: every emitted option is in the transcribed list with a
 * value its type allows; export then import gives the scenario back; and command lines of runs in
 * the validation suite import to scenarios that predict what the suite predicts for those rows.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalog, scenario } from '../../../test/support/catalog.js';
import type { Scenario } from '../../config/resolve.js';
import type { ScenarioInput } from '../../config/scenario-input.js';
import { resolveScenario } from '../../engine.js';
import { evaluateScenario } from '../../engine.js';
import { metricOf, parseTrainingGroups, runTrainingGroup } from '../../validation/training-cases.js';
import { exportMegatron } from './export.js';
import { importMegatron, parseMegatronArgv } from './import.js';
import { MEGATRON_OPTIONS, TWIN_ONLY_FIELDS } from './options.js';
import { importNemo } from '../nemo/import.js';
import { exportNemo } from '../nemo/export.js';
import { NEMO_OPTIONS } from '../nemo/options.js';
import { flattenKeys } from '../nemo/import.js';

/** Scenarios covering VP, CP, EP, FP8 recipes, each recompute mode, ZeRO stages and uneven stages. */
const SCENARIOS: Record<string, ScenarioInput> = {
  'llama3-70b TP4 PP4 CP2 VP5 fp8 full': { system: 'dgx-h100', model: 'llama3-70b', gpus: 64, tp: 4, pp: 4, cp: 2, vp: 5, seq: 8192, gbs: 128, precision: 'fp8', overlap: 'tp,dp,pp', recompute: 'full' },
  'llama3-8b CP2 fp8 current, grads bf16': { system: 'dgx-h100', model: 'llama3-8b', gpus: 8, tp: 1, pp: 1, cp: 2, seq: 8192, gbs: 128, precision: 'fp8', fp8Recipe: 'current', gradReduceDtype: 'bf16', recompute: 'none' },
  'llama3-8b B200 mxfp8 cuda graphs': { system: 'dgx-b200', model: 'llama3-8b', gpus: 8, tp: 1, pp: 1, seq: 8192, gbs: 128, mbs: 2, precision: 'fp8', fp8Recipe: 'mxfp8', hostOverhead: 'cuda-graphs' },
  'mixtral EP8 TP2 etp1 selective': { system: 'dgx-h100', model: 'mixtral-8x7b', gpus: 64, tp: 2, pp: 1, ep: 8, etp: 1, seq: 4096, gbs: 256, recompute: 'selective' },
  'gpt3-175b fp16 PP8 VP3 no overlap unfused, ZeRO 0': { system: 'dgx-a100-80g', model: 'gpt3-175b', gpus: 64, tp: 8, pp: 8, vp: 3, gbs: 64, precision: 'fp16', gradReduceDtype: 'fp16', zero: 0, attention: 'unfused', overlap: 'none', recompute: 'full', sp: false },
  'llama3-405b PP16 uneven 7,8..,7, fp32 grads': { system: 'dgx-h100', model: 'llama3-405b', gpus: 1024, tp: 8, pp: 16, seq: 8192, gbs: 512, overlap: 'tp,dp', recompute: 'full' },
  'llama3-8b FSDP (ZeRO-3)': { system: 'dgx-h100', model: 'llama3-8b', gpus: 16, tp: 1, pp: 1, zero: 3, seq: 8192, gbs: 64, recompute: 'selective' },
  'reshaped GPT, not a preset': { system: 'dgx-h100', model: 'gpt3-175b', layers: 30, hidden: 4096, heads: 32, vocab: 131072, tied: false, gpus: 96, tp: 2, pp: 1, seq: 4096, gbs: 192, overlap: 'tp,dp,pp', recompute: 'none' },
};

/** Checks one `--name value` against the option list. */
function checkOption(name: string, value: string | undefined): string | undefined {
  const o = MEGATRON_OPTIONS.find((x) => x.name === name);
  if (!o) return `${name} is not in the transcribed option list`;
  if (o.type === 'flag') return value === undefined ? undefined : `${name} is a flag but got ${value}`;
  if (value === undefined) return `${name} needs a value`;
  if (o.type === 'choice') return o.choices?.includes(value) ? undefined : `${name} ${value} is not one of ${o.choices?.join(', ')}`;
  if (o.type === 'string') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (o.type === 'int' && !Number.isInteger(n))) return `${name} ${value} is not a ${o.type}`;
  if (o.min !== undefined && n < o.min) return `${name} ${value} is below ${o.min}`;
  if (o.max !== undefined && n > o.max) return `${name} ${value} is above ${o.max}`;
  return undefined;
}

/** Splits a command (after the entry point) into options and their values by the option list's types. */
function optionsOf(command: readonly string[]): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (let i = 1; i < command.length; i++) {
    const name = command[i];
    expect(name.startsWith('--'), `a value without an option: ${name}`).toBe(true);
    const o = MEGATRON_OPTIONS.find((x) => x.name === name);
    out.push([name, o && o.type !== 'flag' ? command[++i] : undefined]);
  }
  return out;
}

/** The resolved scenario as an import can give it back: the run's length is rounded to whole samples. */
function comparable(s: Scenario): unknown {
  const { tokens: _t, tokensSource: _ts, ...exec } = s.exec;
  const { name: _n, description: _d, trainingTokens: _tt, maxSeq: _m, overrides: _o, ...model } = s.model;
  return { system: s.system.name, model: { ...model, headDim: model.headDim ?? model.hidden / model.heads }, exec };
}

const roundTrip = (s: Scenario): Scenario => {
  const back = importMegatron(exportMegatron(s).command, catalog, { gpus: s.exec.gpus });
  return resolveScenario({ ...back.scenario, system: s.system.name } as never, catalog);
};

describe('Megatron-LM export against the transcribed option list (core_v0.15.0)', () => {
  it.each(Object.entries(SCENARIOS))('%s: every option exists and its value is allowed', (_, input) => {
    const x = exportMegatron(scenario(input));
    expect(x.command[0]).toBe('pretrain_gpt.py');
    const problems = optionsOf(x.command).map(([n, v]) => checkOption(n, v)).filter(Boolean);
    expect(problems).toEqual([]);
    // No option twice.
    const names = optionsOf(x.command).map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
  });

  it('names the twin settings it has no option for, with their values', () => {
    const x = exportMegatron(scenario({ ...SCENARIOS['llama3-8b FSDP (ZeRO-3)'], overlapInterference: 'sms', recompute: 'selective-op' }));
    const by = Object.fromEntries(x.unsupported.map((u) => [u.setting, u.value]));
    expect(by.overlapInterference).toBe('sms');
    expect(by.network).toBe('analytical');
    expect(by.recompute).toBe('selective-op');
    expect(x.command).not.toContain('--recompute-granularity');
  });

  it('names a learned position table shorter than the sequence, which Megatron-LM refuses', () => {
    const x = exportMegatron(scenario(SCENARIOS['reshaped GPT, not a preset']));
    expect(x.unsupported.find((u) => u.setting === 'maxSeq')?.value).toBe('2048');
  });

  it('names a pipeline overlap Megatron-LM cannot do without interleaving', () => {
    const x = exportMegatron(scenario({ ...SCENARIOS['llama3-405b PP16 uneven 7,8..,7, fp32 grads'], overlap: 'dp,pp' }));
    expect(x.unsupported.map((u) => u.setting)).toContain('overlap.pp');
  });
});

describe('Megatron-LM export then import', () => {
  it.each(Object.entries(SCENARIOS))('%s: gives the same resolved scenario', (_, input) => {
    const s = scenario(input);
    const back = roundTrip(s);
    expect(comparable(back)).toEqual(comparable(s));
    // The run's length comes back to within one sequence a sample.
    expect(Math.abs(back.exec.tokens - s.exec.tokens)).toBeLessThan(s.exec.seq);
  });

  it('names the preset when the shape is one, and describes it inline when not', () => {
    const preset = importMegatron(exportMegatron(scenario(SCENARIOS['mixtral EP8 TP2 etp1 selective'])).command, catalog, { gpus: 64 });
    expect(preset.scenario.model).toBe('mixtral-8x7b');
    const inline = importMegatron(exportMegatron(scenario(SCENARIOS['reshaped GPT, not a preset'])).command, catalog, { gpus: 96 });
    expect(typeof inline.scenario.model).toBe('object');
  });
});

describe('Megatron-LM import', () => {
  it('lists what it ignores and what it does not know, and reads GPUs from the torchrun prefix', () => {
    const r = importMegatron(['torchrun', '--nnodes', '2', '--nproc_per_node', '8', 'pretrain_gpt.py', '--num-layers', '32', '--hidden-size', '4096', '--num-attention-heads', '32', '--seq-length', '2048', '--max-position-embeddings', '2048', '--micro-batch-size', '1', '--bf16', '--lr', '1e-4', '--data-path', 'a', 'b', '--rampup-batch-size', '16', '16', '100', '--tokenizer-type', 'GPT2BPETokenizer'], catalog);
    expect(r.scenario.gpus).toBe(16);
    expect(r.scenario.gbs).toBe(16); // micro-batch x DP, Megatron-LM's default
    expect(r.ignored.map((i) => i.option)).toEqual(expect.arrayContaining(['--lr', '--data-path']));
    expect(r.unknown).toEqual(['--rampup-batch-size 16 16 100']);
    expect(r.scenario.recompute).toBe('none');
    expect((r.scenario.model as { vocab: number }).vocab).toBe(50304); // GPT-2's 50,257 padded to 128
  });

  it.each([
    [['--num-layers', 'x'], '--num-layers'],
    [['--num-layers', '2', '--hidden-size', '64', '--num-attention-heads', '2', '--seq-length', '64', '--micro-batch-size', '1', '--global-batch-size', '8', '--tokenizer-type', 'NullTokenizer', '--vocab-size', '1000'], '--bf16'],
    [['--num-layers', '2', '--hidden-size', '64', '--num-attention-heads', '2', '--normalization', 'BatchNorm'], '--normalization'],
    [['--hidden-size', '64', '--num-attention-heads', '2', '--seq-length', '64', '--micro-batch-size', '1', '--bf16'], '--num-layers'],
    [['--num-layers', '4', '--hidden-size', '64', '--num-attention-heads', '2', '--seq-length', '64', '--micro-batch-size', '1', '--global-batch-size', '8', '--bf16', '--recompute-granularity', 'full', '--recompute-method', 'block', '--recompute-num-layers', '1', '--tokenizer-type', 'NullTokenizer', '--vocab-size', '1000'], '--recompute-num-layers'],
  ])('refuses %j naming %s', (argv, path) => {
    expect(() => importMegatron(argv, catalog, { gpus: 8 })).toThrow(expect.objectContaining({ path }));
  });
});

describe('NeMo export then import', () => {
  it.each(Object.entries(SCENARIOS).filter(([k]) => !/uneven|mxfp8|current|etp|FSDP/.test(k)))('%s: keys exist, and the scenario comes back', (_, input) => {
    const s = scenario(input);
    const x = exportNemo(s);
    const config = parse(x.files[0].text);
    const known = new Set(NEMO_OPTIONS.map((o) => o.name));
    const keys = Object.keys(flattenKeys(config)).filter((k) => !k.startsWith('model.tokenizer.library'));
    expect(keys.filter((k) => !known.has(k))).toEqual([]);
    const back = importNemo(config, catalog, { vocab: s.model.vocab });
    expect(back.unknown).toEqual([]);
    const r = resolveScenario({ ...back.scenario, system: s.system.name } as never, catalog);
    // The twin's dropout has no rate; NeMo's 0.1 is written and read back as dropout on.
    expect(comparable(r)).toEqual(comparable(s));
  });
});

/**
 * Rows of validation/training.yaml as Megatron-LM command lines. Each is written from the row's
 * stated settings in core_v0.15.0's option names; the 175B PTD row starts from Megatron-LM's
 * published examples/gpt3/train_gpt3_175b_distributed.sh @0d7e02bd (its model, batch, fp16 and
 * optimizer options verbatim), with the row's PP 12, 48 nodes, full recompute and the unfused
 * attention of 2021. The twin's own settings (TWIN_ONLY_FIELDS: the system, gradBuffer) come
 * from the row: no Megatron-LM option carries them.
 */
const DATA = ['--data-path', '/data/my-gpt2_text_document', '--vocab-file', 'gpt2-vocab.json', '--merge-file', 'gpt2-merges.txt', '--split', '949,50,1'];
const ROWS: Array<{ group: string; id: string; argv: string[] }> = [
  {
    group: 'korthikanti-2022', id: '22b.sp-sel',
    argv: ['torchrun', '--nnodes', '1', '--nproc-per-node', '8', 'pretrain_gpt.py', '--tensor-model-parallel-size', '8', '--pipeline-model-parallel-size', '1', '--sequence-parallel', '--num-layers', '48', '--hidden-size', '6144', '--num-attention-heads', '64', '--seq-length', '2048', '--max-position-embeddings', '2048', '--micro-batch-size', '4', '--global-batch-size', '4', '--fp16', '--accumulate-allreduce-grads-in-fp32', '--recompute-activations', '--attention-backend', 'unfused', '--tokenizer-type', 'GPT2BPETokenizer', '--train-iters', '100', '--lr', '6e-5', ...DATA],
  },
  {
    group: 'korthikanti-2022', id: '175b.sp-sel',
    argv: ['torchrun', '--nnodes', '8', '--nproc-per-node', '8', 'pretrain_gpt.py', '--tensor-model-parallel-size', '8', '--pipeline-model-parallel-size', '8', '--num-layers-per-virtual-pipeline-stage', '4', '--no-overlap-p2p-communication', '--sequence-parallel', '--num-layers', '96', '--hidden-size', '12288', '--num-attention-heads', '96', '--seq-length', '2048', '--max-position-embeddings', '2048', '--micro-batch-size', '1', '--global-batch-size', '64', '--fp16', '--accumulate-allreduce-grads-in-fp32', '--recompute-activations', '--attention-backend', 'unfused', '--tokenizer-type', 'GPT2BPETokenizer', ...DATA],
  },
  {
    group: 'narayanan-2021-ptd', id: 'ptd.175b.384',
    argv: ['torchrun', '--nproc_per_node', '8', '--nnodes', '48', '--master_addr', 'localhost', '--master_port', '6000', 'pretrain_gpt.py', '--num-layers', '96', '--hidden-size', '12288', '--num-attention-heads', '96', '--seq-length', '2048', '--max-position-embeddings', '2048', '--attention-backend', 'unfused', '--micro-batch-size', '1', '--global-batch-size', '1536', '--train-iters', '500000', '--weight-decay', '0.1', '--adam-beta1', '0.9', '--adam-beta2', '0.95', '--init-method-std', '0.006', '--clip-grad', '1.0', '--fp16', '--lr', '6.0e-5', '--lr-decay-style', 'cosine', '--min-lr', '6.0e-6', '--lr-warmup-fraction', '.001', '--lr-decay-iters', '430000', '--tensor-model-parallel-size', '8', '--pipeline-model-parallel-size', '12', '--recompute-granularity', 'full', '--recompute-method', 'uniform', '--recompute-num-layers', '1', ...DATA, '--log-interval', '100', '--save-interval', '10000', '--eval-interval', '1000', '--eval-iters', '10'],
  },
  {
    // NeMo 24.07 on DGX-H100 (Megatron-Core underneath): GPT3-20B, TP2, FP8 with TE's delayed scaling.
    group: 'nemo-24.07-h100-fp8', id: 'gpt3-20b.64',
    argv: ['torchrun', '--nnodes', '8', '--nproc-per-node', '8', 'pretrain_gpt.py', '--tensor-model-parallel-size', '2', '--pipeline-model-parallel-size', '1', '--sequence-parallel', '--tp-comm-overlap', '--use-distributed-optimizer', '--overlap-grad-reduce', '--overlap-param-gather', '--num-layers', '44', '--hidden-size', '6144', '--num-attention-heads', '48', '--seq-length', '2048', '--max-position-embeddings', '2048', '--micro-batch-size', '2', '--global-batch-size', '256', '--bf16', '--fp8-format', 'hybrid', '--fp8-recipe', 'delayed', '--grad-reduce-in-bf16', '--tokenizer-type', 'GPT2BPETokenizer', ...DATA],
  },
  {
    group: 'dgxc-nemo-24.09-h100', id: 'llama3.1-70b.fp8.64',
    argv: ['torchrun', '--nnodes', '8', '--nproc-per-node', '8', 'pretrain_gpt.py', '--tensor-model-parallel-size', '4', '--pipeline-model-parallel-size', '4', '--context-parallel-size', '2', '--num-virtual-stages-per-pipeline-rank', '5', '--sequence-parallel', '--use-distributed-optimizer', '--overlap-grad-reduce', '--overlap-param-gather', '--tp-comm-overlap', '--num-layers', '80', '--hidden-size', '8192', '--ffn-hidden-size', '28672', '--num-attention-heads', '64', '--group-query-attention', '--num-query-groups', '8', '--swiglu', '--normalization', 'RMSNorm', '--position-embedding-type', 'rope', '--disable-bias-linear', '--untie-embeddings-and-output-weights', '--hidden-dropout', '0', '--attention-dropout', '0', '--seq-length', '8192', '--max-position-embeddings', '8192', '--micro-batch-size', '1', '--global-batch-size', '128', '--bf16', '--fp8-format', 'hybrid', '--grad-reduce-in-bf16', '--tokenizer-type', 'NullTokenizer', '--vocab-size', '128255', '--make-vocab-size-divisible-by', '32', '--mock-data'],
  },
];

describe('a Megatron-LM command line of a published run in the validation suite', () => {
  const groups = parseTrainingGroups(parse(readFileSync(new URL('../../../validation/training.yaml', import.meta.url), 'utf8')));
  it.each(ROWS.map((r) => [`${r.group}.${r.id}`, r] as const))('%s imports to a scenario with the suite\'s own prediction', (_, row) => {
    const g = groups.find((x) => x.name === row.group);
    const c = g?.cases.find((x) => x.id === row.id);
    if (!g || !c) throw new Error(`no row ${row.group}.${row.id}`);
    const suite = runTrainingGroup({ ...g, cases: [c] }, catalog)[0].predicted;
    const rowScenario: Record<string, unknown> = { ...g.defaults, ...c.scenario };
    const imported = importMegatron(row.argv, catalog);
    expect(imported.unknown).toEqual([]);
    // Only the twin's own settings come from the row.
    const twinOnly = Object.fromEntries(Object.entries(rowScenario).filter(([k]) => (TWIN_ONLY_FIELDS as readonly string[]).includes(k)));
    const s = resolveScenario({ ...imported.scenario, ...twinOnly } as never, catalog);
    const predicted = metricOf(g.metric, s, evaluateScenario(s));
    expect(predicted).toBe(suite);
  });

  it('the same row as a NeMo config gives the same prediction', () => {
    const g = groups.find((x) => x.name === 'dgxc-nemo-24.09-h100');
    const c = g?.cases.find((x) => x.id === 'llama3.1-70b.fp8.64');
    if (!g || !c) throw new Error('no row');
    const suite = runTrainingGroup({ ...g, cases: [c] }, catalog)[0].predicted;
    const config = {
      trainer: { devices: 8, num_nodes: 8, precision: 'bf16' },
      model: {
        micro_batch_size: 1, global_batch_size: 128, tensor_model_parallel_size: 4, pipeline_model_parallel_size: 4, virtual_pipeline_model_parallel_size: 5, context_parallel_size: 2,
        encoder_seq_length: 8192, max_position_embeddings: 8192, num_layers: 80, hidden_size: 8192, ffn_hidden_size: 28672, num_attention_heads: 64, num_query_groups: 8,
        hidden_dropout: 0, attention_dropout: 0, normalization: 'rmsnorm', bias: false, activation: 'swiglu', position_embedding_type: 'rope', share_embeddings_and_output_weights: false,
        overlap_p2p_comm: true, sequence_parallel: true, transformer_engine: true, fp8: true, fp8_hybrid: true, ub_tp_comm_overlap: true,
        tokenizer: { library: 'huggingface', type: 'meta-llama/Llama-3.1-70B' },
        optim: { name: 'distributed_fused_adam', overlap_grad_sync: true, overlap_param_sync: true, grad_sync_dtype: 'bf16', lr: 3e-4 },
      },
    };
    const imported = importNemo(config, catalog, { vocab: 128256 });
    expect(imported.unknown).toEqual([]);
    const s = resolveScenario({ ...imported.scenario, system: 'dgx-h100' } as never, catalog);
    expect(metricOf(g.metric, s, evaluateScenario(s))).toBe(suite);
  });

  it('a parse of the entry point keeps the launcher prefix apart', () => {
    expect(parseMegatronArgv(ROWS[2].argv).launcherGpus).toBe(384);
  });
});

describe('NeMo keys Megatron-LM has no option for: the reduce-scatter method and the amax group', () => {
  const model = (over: Record<string, unknown>) => ({
    trainer: { devices: 8, num_nodes: 8, precision: 'bf16' },
    model: {
      micro_batch_size: 1, global_batch_size: 128, tensor_model_parallel_size: 4, pipeline_model_parallel_size: 4, virtual_pipeline_model_parallel_size: 5,
      encoder_seq_length: 4096, max_position_embeddings: 4096, num_layers: 80, hidden_size: 8192, ffn_hidden_size: 28672, num_attention_heads: 64, num_query_groups: 8,
      normalization: 'rmsnorm', bias: false, activation: 'swiglu', position_embedding_type: 'rope', share_embeddings_and_output_weights: false,
      sequence_parallel: true, transformer_engine: true, fp8: true, fp8_hybrid: true, ub_tp_comm_overlap: true,
      tokenizer: { library: 'huggingface', type: 'meta-llama/Llama-3.1-70B' },
      ...over,
    },
  });
  const ring = { method: 'ring_exchange', num_sm: 1, set_sm_margin: 1 };
  it('reads a ring-exchange configuration for both layers as ring-exchange, and no configuration as the pipeline TE defaults to', () => {
    const re = importNemo(model({ ub_tp_comm_overlap_cfg: { proj_fprop: ring, fc2_fprop: ring } }), catalog, { vocab: 128256 });
    expect(re.unknown).toEqual([]);
    expect(re.scenario.tpOverlapReduceScatter).toBe('ring-exchange');
    // FP8 without a configuration: Transformer Engine's initialize_ub pipelines them, whatever the twin's FP8 default.
    expect(importNemo(model({}), catalog, { vocab: 128256 }).scenario.tpOverlapReduceScatter).toBe('pipeline');
    const mixed = importNemo(model({ ub_tp_comm_overlap_cfg: { proj_fprop: { method: 'pipeline' }, fc2_fprop: ring } }), catalog, { vocab: 128256 });
    expect(mixed.scenario.tpOverlapReduceScatter).toBe('pipeline');
    expect(mixed.ignored.some((i) => i.option === 'model.ub_tp_comm_overlap_cfg')).toBe(true);
  });
  it('reads tp_only_amax_red as the TP x CP group, and writes it back', () => {
    const imp = importNemo(model({ tp_only_amax_red: true }), catalog, { vocab: 128256 });
    expect(imp.scenario.fp8AmaxReduction).toBe('tp-cp');
    const s = resolveScenario({ ...imp.scenario, system: 'dgx-h100' } as never, catalog);
    expect(parse(exportNemo(s).files[0].text).model.tp_only_amax_red).toBe(true);
    expect(importNemo(model({}), catalog, { vocab: 128256 }).scenario.fp8AmaxReduction).toBeUndefined();
  });
});
