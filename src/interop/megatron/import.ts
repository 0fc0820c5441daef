/**
 * A Megatron-LM pretrain_gpt.py command line -> the flat scenario it describes (ImportedScenario).
 * Every option read is named with the field it set; options that do not change the step are listed
 * as ignored, and options the importer does not know as unknown. Options are read as Megatron-LM
 * core_v0.15.0 reads them (options.ts), defaults included: no --bf16 or --fp16 is fp32 training,
 * which the twin does not time, and no --recompute-granularity is no recompute.
 *
 *   [torchrun --nnodes N --nproc-per-node G] pretrain_gpt.py --opt value ... --> parse --> map --> scenario
 */
import { ClusterTwinError, invalid } from '../../errors.js';
import type { ImportedScenario } from '../framework-target.js';
import type { PresetCatalog } from '../../config/catalog.js';
import { ModelSpecSchema, completeModel, type ModelSpec } from '../../config/model-schema.js';
import { MEGATRON_IGNORED, MEGATRON_OPTIONS, megatronOption } from './options.js';

/** The options of a command line by name: a flag is `true`, a valued option its text. */
export type MegatronArgs = Map<string, string | true>;

/** What the command line holds before it is mapped. */
export interface ParsedMegatronArgv {
  args: MegatronArgs;
  ignored: Array<{ option: string; why: string }>;
  unknown: string[];
  /** GPUs the launcher prefix starts (torchrun --nnodes x --nproc-per-node), when it has one. */
  launcherGpus?: number;
}

const TORCHRUN_VALUED = new Set(['--nnodes', '--nproc-per-node', '--nproc_per_node', '--node-rank', '--node_rank', '--master-addr', '--master_addr', '--master-port', '--master_port', '--rdzv-backend', '--rdzv_backend', '--rdzv-endpoint', '--rdzv_endpoint', '--rdzv-id', '--rdzv_id', '--max-restarts', '--max_restarts', '--module', '-m']);

const wholeNumber = (option: string, text: string): number => {
  if (!/^\d+$/.test(text)) throw invalid(option, `expected a whole number, got "${text.slice(0, 40)}"`);
  return Number(text);
};

/** Reads the launcher prefix (up to the training script), then the script's options. */
export function parseMegatronArgv(argv: readonly string[]): ParsedMegatronArgv {
  let start = 0;
  let nnodes: number | undefined;
  let nproc: number | undefined;
  const script = argv.findIndex((a) => /\.py$/.test(a));
  if (script >= 0) {
    for (let i = 0; i < script; i++) {
      const [name, inline] = argv[i].split(/=(.*)/s, 2);
      if (!TORCHRUN_VALUED.has(name)) continue;
      const value = inline ?? argv[++i];
      if (name === '--nnodes') nnodes = wholeNumber('--nnodes', value ?? '');
      if (name === '--nproc-per-node' || name === '--nproc_per_node') nproc = wholeNumber('--nproc-per-node', value ?? '');
    }
    start = script + 1;
  }
  const args: MegatronArgs = new Map();
  const ignored: ParsedMegatronArgv['ignored'] = [];
  const unknown: string[] = [];
  for (let i = start; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--')) {
      unknown.push(token);
      continue;
    }
    const [name, inline] = token.split(/=(.*)/s, 2);
    const known = megatronOption(name);
    const valuesAfter = (): string[] => {
      const out: string[] = [];
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out.push(argv[++i]);
      return out;
    };
    if (known) {
      if (known.type === 'flag') {
        if (inline !== undefined) throw invalid(name, 'is a flag and takes no value');
        args.set(name, true);
      } else {
        const value = inline ?? (i + 1 < argv.length && !argv[i + 1].startsWith('--') ? argv[++i] : undefined);
        if (value === undefined) throw invalid(name, 'expects a value');
        args.set(name, value);
      }
      continue;
    }
    const skip = MEGATRON_IGNORED[name];
    if (skip) {
      if (inline === undefined && skip.takes === 'one' && i + 1 < argv.length && !argv[i + 1].startsWith('--')) i++;
      if (inline === undefined && skip.takes === 'many') valuesAfter();
      ignored.push({ option: name, why: skip.why });
      continue;
    }
    // Not transcribed: keep it whole with the values that follow, so the list shows what was dropped.
    const values = inline !== undefined ? [inline] : valuesAfter();
    unknown.push([name, ...values].join(' '));
  }
  return { args, ignored, unknown, launcherGpus: nnodes !== undefined && nproc !== undefined ? nnodes * nproc : undefined };
}

/** A valued option read and checked against its transcribed type, bounds and choices. */
function read(args: MegatronArgs, name: string): string | undefined {
  const v = args.get(name);
  if (v === undefined) return undefined;
  const o = MEGATRON_OPTIONS.find((x) => x.name === name);
  if (v === true || !o) return undefined;
  if (o.type === 'choice' && o.choices && !o.choices.includes(v)) throw invalid(name, `must be one of ${o.choices.join(', ')}, got "${v.slice(0, 40)}"`);
  return v;
}
function readInt(args: MegatronArgs, name: string): number | undefined {
  const v = read(args, name);
  if (v === undefined) return undefined;
  const n = wholeNumber(name, v);
  const o = megatronOption(name);
  if (o?.min !== undefined && n < o.min) throw invalid(name, `must be at least ${o.min}, got ${n}`);
  return n;
}
function readNumber(args: MegatronArgs, name: string): number | undefined {
  const v = read(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  const o = megatronOption(name);
  if (!Number.isFinite(n) || (o?.min !== undefined && n < o.min) || (o?.max !== undefined && n > o.max)) {
    throw invalid(name, `expected a number${o?.min !== undefined ? ` from ${o.min}` : ''}${o?.max !== undefined ? ` to ${o.max}` : ''}, got "${v.slice(0, 40)}"`);
  }
  return n;
}
const required = (name: string, v: number | undefined): number => {
  if (v === undefined) throw invalid(name, 'is required (Megatron-LM needs it to build the model)');
  return v;
};

/** GPT-2's BPE vocabulary (Radford et al. 2019; the gpt2 vocab.json Megatron-LM's GPT2BPETokenizer reads): 50,257 tokens. */
const GPT2_BPE_VOCAB = 50257;

/** Megatron-LM's _vocab_size_with_padding: up to a multiple of make-vocab-size-divisible-by x TP. */
export const paddedVocab = (vocab: number, divisibleBy: number, tp: number): number => Math.ceil(vocab / (divisibleBy * tp)) * divisibleBy * tp;

/** Model fields the shape comparison uses (a preset is named only where every one agrees). */
function sameShape(a: ModelSpec, b: ModelSpec): boolean {
  const headDim = (m: ModelSpec): number => m.headDim ?? m.hidden / m.heads;
  const moe = (m: ModelSpec): string => (m.moe ? JSON.stringify([m.moe.experts, m.moe.topK, m.moe.expertFfnHidden ?? m.ffnHidden, m.moe.capacityFactor, m.moe.sharedExperts, m.moe.denseLayers]) : '');
  return (
    a.layers === b.layers && a.hidden === b.hidden && a.heads === b.heads && a.kvHeads === b.kvHeads && headDim(a) === headDim(b) &&
    a.ffnHidden === b.ffnHidden && a.ffnAct === b.ffnAct && a.vocab === b.vocab && a.tiedEmbeddings === b.tiedEmbeddings &&
    a.norm === b.norm && a.bias === b.bias && a.dropout === b.dropout && a.positional === b.positional && moe(a) === moe(b) && !a.mla && !b.mla
  );
}

/** The name of the first preset (alphabetically) of exactly this shape, if any. */
export function matchModelPreset(spec: ModelSpec, catalog: PresetCatalog): string | undefined {
  for (const name of Object.keys(catalog.models).sort()) {
    const r = ModelSpecSchema.safeParse(catalog.models[name]);
    if (r.success && sameShape(completeModel(r.data), spec)) return name;
  }
  return undefined;
}

export interface MegatronImportOptions {
  /** GPUs of the job when the command line has no torchrun prefix that says. */
  gpus?: number;
  /** The padded vocabulary, where the tokenizer is a file the importer does not read. */
  vocab?: number;
}

/**
 * Maps parsed Megatron-LM options to a scenario. `label` names each option in `mapped` (NeMo's
 * importer passes its own keys' names through it).
 */
export function mapMegatronArgs(parsed: ParsedMegatronArgv, catalog: PresetCatalog, opts: MegatronImportOptions = {}, label: (option: string) => string = (o) => o): ImportedScenario {
  const { args } = parsed;
  const s: Record<string, unknown> = {};
  const mapped: ImportedScenario['mapped'] = [];
  const ignored = [...parsed.ignored];
  const set = (field: string, value: unknown, ...options: string[]): void => {
    s[field] = value;
    for (const o of options) if (args.has(o) && !mapped.some((m) => m.option === label(o) && m.field === field)) mapped.push({ option: label(o), field });
  };
  const has = (name: string): boolean => args.get(name) === true;

  const gpus = opts.gpus ?? parsed.launcherGpus;
  if (gpus !== undefined) s.gpus = gpus;
  const tp = readInt(args, '--tensor-model-parallel-size') ?? 1;
  const pp = readInt(args, '--pipeline-model-parallel-size') ?? 1;
  const cp = readInt(args, '--context-parallel-size') ?? 1;
  const ep = readInt(args, '--expert-model-parallel-size') ?? 1;
  set('tp', tp, '--tensor-model-parallel-size');
  set('pp', pp, '--pipeline-model-parallel-size');
  set('cp', cp, '--context-parallel-size');
  const etp = readInt(args, '--expert-tensor-parallel-size');

  // The model.
  const layers = required('--num-layers', readInt(args, '--num-layers'));
  const hidden = required('--hidden-size', readInt(args, '--hidden-size'));
  const heads = required('--num-attention-heads', readInt(args, '--num-attention-heads'));
  const swiglu = has('--swiglu');
  const ffnAct = swiglu ? 'swiglu' : has('--squared-relu') ? 'relu2' : 'gelu';
  if (swiglu && has('--squared-relu')) throw invalid('--squared-relu', 'cannot be given with --swiglu');
  // Megatron-LM's default MLP width (validate_args): 4h, or int(8h/3 / 64) x 64 for SwiGLU.
  const ffnHidden = readInt(args, '--ffn-hidden-size') ?? (swiglu ? Math.floor((4 * hidden * 2) / 3 / 64) * 64 : 4 * hidden);
  const kvHeads = has('--group-query-attention') ? (readInt(args, '--num-query-groups') ?? 1) : heads;
  const headDim = readInt(args, '--kv-channels');
  const norm = read(args, '--normalization') === 'RMSNorm' ? 'rmsnorm' : 'layernorm';
  const pos = read(args, '--position-embedding-type') ?? 'learned_absolute';
  if (pos !== 'learned_absolute' && pos !== 'rope') throw new ClusterTwinError('unsupported', '--position-embedding-type', `${pos} has no twin counterpart; the twin models learned_absolute and rope`);
  const dropout = (readNumber(args, '--hidden-dropout') ?? 0.1) > 0 || (readNumber(args, '--attention-dropout') ?? 0.1) > 0;
  const tokenizer = read(args, '--tokenizer-type');
  const rawVocab = readInt(args, '--vocab-size');
  const divisibleBy = readInt(args, '--make-vocab-size-divisible-by') ?? 128;
  // The tokenizer's size, as Megatron-LM pads it: NullTokenizer adds one EOD token to --vocab-size.
  const tokenizerVocab = tokenizer === 'NullTokenizer' && rawVocab !== undefined ? rawVocab + 1 : tokenizer === 'GPT2BPETokenizer' ? GPT2_BPE_VOCAB : undefined;
  const vocab = tokenizerVocab !== undefined ? paddedVocab(tokenizerVocab, divisibleBy, tp) : opts.vocab;
  const experts = readInt(args, '--num-experts');
  const spec: Record<string, unknown> = {
    name: 'megatron-import',
    layers, hidden, heads, kvHeads, ffnHidden, ffnAct,
    ...(headDim !== undefined && headDim * heads !== hidden ? { headDim } : {}),
    vocab: vocab ?? 0,
    tiedEmbeddings: !has('--untie-embeddings-and-output-weights'),
    norm,
    bias: !has('--disable-bias-linear'),
    dropout,
    positional: pos === 'rope' ? 'rope' : 'learned',
  };
  const maxPos = readInt(args, '--max-position-embeddings');
  if (maxPos !== undefined) spec.maxSeq = maxPos;
  if (experts !== undefined) {
    const expertFfn = readInt(args, '--moe-ffn-hidden-size') ?? ffnHidden;
    const shared = readInt(args, '--moe-shared-expert-intermediate-size');
    if (shared !== undefined && shared % expertFfn !== 0) throw invalid('--moe-shared-expert-intermediate-size', `${shared} is not a whole number of experts of ${expertFfn}`);
    spec.moe = {
      experts,
      topK: readInt(args, '--moe-router-topk') ?? 2,
      expertFfnHidden: expertFfn,
      capacityFactor: readNumber(args, '--moe-expert-capacity-factor') ?? 1,
      sharedExperts: shared !== undefined ? shared / expertFfn : 0,
      denseLayers: 0,
    };
  }
  const modelOptions = ['--num-layers', '--hidden-size', '--num-attention-heads', '--ffn-hidden-size', '--swiglu', '--squared-relu', '--group-query-attention', '--num-query-groups', '--kv-channels', '--normalization', '--position-embedding-type', '--hidden-dropout', '--attention-dropout', '--untie-embeddings-and-output-weights', '--disable-bias-linear', '--tokenizer-type', '--vocab-size', '--make-vocab-size-divisible-by', '--max-position-embeddings', '--num-experts', '--moe-router-topk', '--moe-ffn-hidden-size', '--moe-expert-capacity-factor', '--moe-shared-expert-intermediate-size'];
  if (vocab === undefined) {
    // The vocabulary comes from a tokenizer file the twin does not read: name a preset of this shape, else ask.
    const probe = completeModel(ModelSpecSchema.parse({ ...spec, vocab: 1 }));
    const name = Object.keys(catalog.models).sort().find((n) => {
      const r = ModelSpecSchema.safeParse(catalog.models[n]);
      return r.success && sameShape(completeModel(r.data), { ...probe, vocab: r.data.vocab });
    });
    if (!name) throw invalid(tokenizer ? '--tokenizer-type' : '--vocab-size', `the vocabulary size is not on the command line (${tokenizer ?? 'no tokenizer'}); give --tokenizer-type NullTokenizer --vocab-size N, or the model's size with --vocab`);
    set('model', name, ...modelOptions);
  } else {
    const parsedSpec = ModelSpecSchema.safeParse(spec);
    if (!parsedSpec.success) throw invalid('--num-layers', `the model on the command line is out of the twin's range: ${parsedSpec.error.issues[0].path.join('.')} ${parsedSpec.error.issues[0].message}`);
    const preset = matchModelPreset(completeModel(parsedSpec.data), catalog);
    set('model', preset ?? spec, ...modelOptions);
  }

  // Batch and sequence.
  const seq = required('--seq-length', readInt(args, '--seq-length'));
  const mbs = required('--micro-batch-size', readInt(args, '--micro-batch-size'));
  set('seq', seq, '--seq-length');
  set('mbs', mbs, '--micro-batch-size');
  let gbs = readInt(args, '--global-batch-size');
  if (gbs === undefined) {
    if (gpus === undefined) throw invalid('--global-batch-size', 'is not given and the GPUs are unknown; give --global-batch-size, or --gpus (or the torchrun prefix)');
    gbs = mbs * (gpus / (tp * pp * cp)); // Megatron-LM: micro-batch x DP
  }
  set('gbs', gbs, '--global-batch-size', '--micro-batch-size');

  // Pipeline: virtual stages and the layer split.
  let vp = 1;
  const perVirtual = readInt(args, '--num-layers-per-virtual-pipeline-stage');
  const virtualStages = readInt(args, '--num-virtual-stages-per-pipeline-rank');
  if (args.has('--pipeline-model-parallel-layout')) throw new ClusterTwinError('unsupported', '--pipeline-model-parallel-layout', 'a custom layout is not read; give --decoder-first/last-pipeline-num-layers or --layers-per-stage');
  if (perVirtual !== undefined && virtualStages !== undefined) throw invalid('--num-virtual-stages-per-pipeline-rank', 'cannot be given with --num-layers-per-virtual-pipeline-stage');
  if (virtualStages !== undefined) vp = virtualStages;
  if (perVirtual !== undefined) {
    if (layers % pp !== 0 || (layers / pp) % perVirtual !== 0) throw invalid('--num-layers-per-virtual-pipeline-stage', `${perVirtual} must divide the ${layers / pp} layers of each of the ${pp} stages`);
    vp = layers / pp / perVirtual;
  }
  set('vp', vp, '--num-virtual-stages-per-pipeline-rank', '--num-layers-per-virtual-pipeline-stage');
  const first = readInt(args, '--decoder-first-pipeline-num-layers');
  const last = readInt(args, '--decoder-last-pipeline-num-layers');
  if (first !== undefined || last !== undefined) {
    const middle = pp - (first !== undefined ? 1 : 0) - (last !== undefined ? 1 : 0);
    const rest = layers - (first ?? 0) - (last ?? 0);
    if (middle < 1 || rest < 0 || rest % middle !== 0) throw invalid(first !== undefined ? '--decoder-first-pipeline-num-layers' : '--decoder-last-pipeline-num-layers', `the other ${middle} stages cannot share the remaining ${rest} layers evenly`);
    const split = Array.from({ length: pp }, () => rest / middle);
    if (first !== undefined) split[0] = first;
    if (last !== undefined) split[pp - 1] = last;
    set('layersPerStage', split, '--decoder-first-pipeline-num-layers', '--decoder-last-pipeline-num-layers');
  } else if (layers % pp !== 0) {
    throw invalid('--pipeline-model-parallel-size', `Megatron-LM needs the ${layers} layers divisible by PP ${pp} unless --decoder-first/last-pipeline-num-layers are given`);
  } else if (pp > 1) {
    set('layersPerStage', Array.from({ length: pp }, () => layers / pp), '--pipeline-model-parallel-size');
  }

  if (experts !== undefined || ep > 1) set('ep', ep, '--expert-model-parallel-size');
  if (etp !== undefined) set('etp', etp, '--expert-tensor-parallel-size');
  // Megatron-LM turns sequence parallelism off without TP.
  set('sp', has('--sequence-parallel') && tp > 1, '--sequence-parallel');

  // Optimizer sharding.
  let zero: 0 | 1 | 2 | 3 = has('--use-distributed-optimizer') ? 1 : 0;
  if (has('--use-torch-fsdp2')) zero = 3;
  if (has('--use-megatron-fsdp')) {
    const strategy = read(args, '--data-parallel-sharding-strategy') ?? 'no_shard';
    zero = ({ no_shard: 0, optim: 1, optim_grads: 2, optim_grads_params: 3 } as const)[strategy as 'no_shard'];
  }
  set('zero', zero, '--use-distributed-optimizer', '--use-torch-fsdp2', '--use-megatron-fsdp', '--data-parallel-sharding-strategy');

  // Recompute.
  const granularity = read(args, '--recompute-granularity') ?? (has('--recompute-activations') ? 'selective' : undefined);
  let recompute = 'none';
  if (granularity === 'selective') recompute = 'selective';
  if (granularity === 'full') {
    const method = read(args, '--recompute-method');
    const n = readInt(args, '--recompute-num-layers');
    const chunkLayers = Math.ceil(layers / pp / vp);
    const all = (method === 'uniform' && n === 1) || (method === 'block' && n !== undefined && n >= chunkLayers);
    if (!all) throw new ClusterTwinError('unsupported', '--recompute-num-layers', `full recompute of some layers only (method ${method ?? 'unset'}, ${n ?? 'unset'} layers) is not modelled; the twin recomputes every layer from its input (--recompute-method uniform --recompute-num-layers 1)`);
    recompute = 'full';
  }
  set('recompute', recompute, '--recompute-granularity', '--recompute-activations', '--recompute-method', '--recompute-num-layers');

  // Precision and the gradient reduction's data type (validate_args: bf16 reduces in fp32 unless --grad-reduce-in-bf16).
  const bf16 = has('--bf16');
  const fp16 = has('--fp16');
  if (bf16 && fp16) throw invalid('--fp16', 'cannot be given with --bf16');
  if (!bf16 && !fp16) throw new ClusterTwinError('unsupported', '--bf16', 'without --bf16 or --fp16 Megatron-LM trains in fp32, which the twin does not time');
  const fp8 = read(args, '--fp8-format');
  set('precision', fp8 ? 'fp8' : bf16 ? 'bf16' : 'fp16', '--bf16', '--fp16', '--fp8-format');
  if (fp8) {
    const recipe = read(args, '--fp8-recipe') ?? 'delayed';
    const twin = ({ delayed: 'delayed', tensorwise: 'current', mxfp8: 'mxfp8' } as Record<string, string>)[recipe];
    if (!twin) throw new ClusterTwinError('unsupported', '--fp8-recipe', `${recipe} has no twin counterpart; the twin models delayed, tensorwise (current scaling) and mxfp8`);
    set('fp8Recipe', twin, '--fp8-recipe');
  }
  const gradReduceDtype = bf16 ? (has('--grad-reduce-in-bf16') ? 'bf16' : 'fp32') : has('--accumulate-allreduce-grads-in-fp32') ? 'fp32' : 'fp16';
  set('gradReduceDtype', gradReduceDtype, '--bf16', '--fp16', '--grad-reduce-in-bf16', '--accumulate-allreduce-grads-in-fp32');

  // Overlaps. Pipeline sends overlap compute only in the interleaved schedule (validate_args turns
  // overlap_p2p_comm off otherwise); without a pipeline there is nothing to overlap and the twin's default stands.
  const overlap = [
    has('--tp-comm-overlap') ? 'tp' : '',
    has('--overlap-grad-reduce') ? 'dp' : '',
    pp === 1 || (vp > 1 && !has('--no-overlap-p2p-communication')) ? 'pp' : '',
  ].filter(Boolean);
  set('overlap', overlap.length ? overlap.join(',') : 'none', '--tp-comm-overlap', '--overlap-grad-reduce', '--overlap-param-gather', '--no-overlap-p2p-communication');

  // Kernels.
  const backend = read(args, '--attention-backend') ?? 'auto';
  const local = read(args, '--transformer-impl') === 'local';
  const unfused = backend === 'unfused' || backend === 'local' || (local && !has('--use-flash-attn'));
  set('attention', unfused ? 'unfused' : 'flash', '--attention-backend', '--transformer-impl', '--use-flash-attn');
  const graphs = (read(args, '--cuda-graph-impl') ?? 'none') !== 'none' || has('--enable-cuda-graph');
  if (graphs) set('hostOverhead', 'cuda-graphs', '--cuda-graph-impl', '--enable-cuda-graph');

  // Run length.
  const samples = readInt(args, '--train-samples');
  const iters = readInt(args, '--train-iters');
  if (samples !== undefined) set('tokens', samples * seq, '--train-samples');
  else if (iters !== undefined) set('tokens', iters * gbs * seq, '--train-iters');

  for (const name of ['--mock-data', '--ckpt-format', '--overlap-param-gather']) {
    if (args.has(name) && !mapped.some((m) => m.option === label(name))) ignored.push({ option: label(name), why: name === '--mock-data' ? 'synthetic data: the step is the same' : name === '--ckpt-format' ? 'checkpoint files' : 'part of the DP overlap' });
  }
  return { scenario: s, mapped, ignored, unknown: parsed.unknown };
}

/** `clustertwin import megatron -- <argv>`: the scenario a Megatron-LM command line describes. */
export function importMegatron(argv: readonly string[], catalog: PresetCatalog, opts: MegatronImportOptions = {}): ImportedScenario {
  return mapMegatronArgs(parseMegatronArgv(argv), catalog, opts);
}
