/**
 * The scenario flags shared by simulate, reliability, plan and sweep, and how
 * flags, a --config file and the default scenario combine: flags override the
 * config file, which overrides the default scenario.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, Option } from '@commander-js/extra-typings';
import { parse, YAMLParseError } from 'yaml';
import { ClusterTwinError } from '../errors.js';
import { parseCount } from '../units.js';
import type { PresetCatalog } from '../config/catalog.js';
import { parseScenarioInput, type ScenarioInputParsed } from '../config/scenario-input.js';
import { FLAG_OF_KEY, layerScenario } from '../config/scenario-layers.js';
import { modelOrFile } from './model-file.js';
import { ATTENTION_KERNELS, AUTOCAST_CACHES, FP8_AMAX_REDUCTIONS, TP_OVERLAP_RS_METHODS, FP8_OVERHEADS, FP8_RECIPES, HOST_OVERHEAD_MODES, KERNEL_STYLES, LOSS_KERNELS, OPTIMIZER_KERNELS, OVERLAP_INTERFERENCE_MODES, POWER_CLOCK_MODES, RANK_VARIATIONS, RECOMPUTE_MODES, GRAD_BUFFER_MODES, TP_ASYNC_ALLREDUCE_MODES } from '../config/execution-schema.js';

/** Scenario key -> the flag that sets it (defined beside the layering rule, which the web page shares). */
export { FLAG_OF_KEY };

/** Adds the scenario flags to a command. */
export function addScenarioOptions<C extends Command<any, any>>(cmd: C): C {
  return cmd
    .option('--config <file>', 'scenario file (YAML or JSON); its keys are these flags in camelCase')
    .option('--system <preset>', 'system preset (GPU, node, fabric, prices), e.g. dgx-h100')
    .option('--gpus <n>', 'number of GPUs')
    .option('--model <preset|file>', 'model preset, e.g. llama3-405b, or a Hugging Face config.json (docs/interop/hf-config.md)')
    .option('--layers <n>', 'override: transformer layers')
    .option('--hidden <n>', 'override: hidden size')
    .option('--heads <n>', 'override: attention heads')
    .option('--kv-heads <n>', 'override: key/value heads (GQA)')
    .option('--ffn-hidden <n>', 'override: MLP hidden size')
    .addOption(new Option('--ffn-act <act>', 'override: MLP activation').choices(['gelu', 'swiglu', 'relu2', 'relu']))
    .option('--vocab <n>', 'override: vocabulary size')
    .option('--tied', 'override: tie input and output embeddings')
    .option('--no-tied', 'override: untie input and output embeddings')
    .option('--dropout', 'override: the model uses dropout')
    .option('--no-dropout', 'override: the model uses no dropout')
    .option('--seq <n>', 'sequence length, tokens')
    .option('--gbs <n>', 'global batch, sequences')
    .option('--mbs <n>', 'micro-batch, sequences')
    .option('--tp <n>', 'tensor-parallel size')
    .option('--pp <n>', 'pipeline-parallel size')
    .option('--dp <n>', 'data-parallel size (default: GPUs / (TP x PP x CP))')
    .option('--cp <n>', 'context-parallel size')
    .option('--ep <n>', 'expert-parallel size (mixture-of-experts models)')
    .option('--etp <n>', "expert tensor-parallel size (Megatron-Core 0.10+; experts split over etp ranks, EP peers etp apart); default unset")
    .option('--vp <n>', 'virtual pipeline stages per GPU (interleaved 1F1B)')
    .option('--sp', 'sequence parallelism (default: on when TP > 1)')
    .option('--no-sp', 'turn sequence parallelism off')
    .addOption(new Option('--zero <stage>', 'ZeRO stage (1 = distributed optimizer)').choices(['0', '1', '2', '3']))
    .addOption(new Option('--recompute <mode>', 'activation recompute').choices([...RECOMPUTE_MODES]))
    .addOption(new Option('--precision <p>', 'GEMM precision').choices(['bf16', 'fp16', 'fp8']))
    .option('--overlap <list>', 'communication overlapped with compute: comma list of tp, dp, pp, or none')
    .addOption(new Option('--overlap-interference <model>', 'what overlapped communication costs the compute beside it: none (SMs by their share), sms (waves on the SMs left, a gap per chunk), sms-hbm (also HBM traffic), both-ways (also the transfers slowed by the compute\'s HBM traffic; default)').choices([...OVERLAP_INTERFERENCE_MODES]))
    .option('--tokens <n>', 'training tokens for the run (accepts 300B, 15.6T)')
    .option('--layers-per-stage <list>', 'layers on each pipeline stage, comma list (default: balanced)')
    .addOption(new Option('--attention <kernel>', 'attention kernel').choices([...ATTENTION_KERNELS]))
    .addOption(new Option('--grad-reduce-dtype <t>', 'data type of the DP gradient reduction').choices(['fp32', 'bf16', 'fp16']))
    .addOption(new Option('--weight-dtype <t>', 'weights the GEMMs start from: bf16 working copies, or fp32 cast at every use (autocast)').choices(['bf16', 'fp32']))
    .addOption(new Option('--kernels <style>', 'elementwise kernels: fused (Megatron-LM, TE) or eager PyTorch reference code').choices([...KERNEL_STYLES]))
    .addOption(new Option('--loss-kernel <kind>', 'the loss over the vocabulary, for its memory: fused or eager (fp32 logits); default: --kernels').choices([...LOSS_KERNELS]))
    .addOption(new Option('--optimizer-kernel <kind>', 'the optimizer step: fused (one pass) or foreach (PyTorch\'s default AdamW, ~80 B a parameter); default: fused with --kernels fused, foreach with eager').choices([...OPTIMIZER_KERNELS]))
    .addOption(new Option('--fp8-overheads <what>', "FP8 beyond the casts: te (Transformer Engine's amax passes and reductions, scale updates, FP8 GEMMs' fixed cost per tile, MXFP8's GEMM rate, no transpose on Blackwell, FP8 inputs saved for backward) or off").choices([...FP8_OVERHEADS]))
    .addOption(new Option('--fp8-recipe <r>', "Transformer Engine's FP8 scaling recipe (default delayed)").choices([...FP8_RECIPES]))
    .addOption(new Option('--tp-overlap-reduce-scatter <method>', "with --overlap tp: how the projection and FC2 outputs are reduce-scattered, pipeline (4 splits on SMs taken from the GEMM) or ring-exchange (chunks by copy engine, then a sum); default ring-exchange under FP8, pipeline otherwise (Megatron-Bridge, NeMo 2.3+)").choices([...TP_OVERLAP_RS_METHODS]))
    .addOption(new Option('--fp8-amax-reduction <group>', "delayed scaling's amax all-reduce: tp-dp-cp (default; Megatron-Core 0.9+), tp-cp (Megatron-Core 0.8, tp_only_amax_red) or tp-cp-async (TE <= 1.5 with NVTE_DP_AMAX_REDUCE_INTERVAL=0, NVTE_ASYNC_AMAX_REDUCTION=1, as MLPerf v3.1)").choices([...FP8_AMAX_REDUCTIONS]))
    .addOption(new Option('--power-clock <mode>', "the SM clock under the power cap: step-mix (the step's GEMM duty sets it, from the GPU's measured curve) or off (the preset's rates)").choices([...POWER_CLOCK_MODES]))
    .addOption(new Option('--host-overhead <mode>', 'the host issuing kernels: launch-queue (the GPU waits where kernels are shorter than their issue), cuda-graphs, or off; default launch-queue').choices([...HOST_OVERHEAD_MODES]))
    .addOption(new Option('--tp-async-allreduce <mode>', 'without sequence parallelism: on (default) hides the backward TP all-reduces under the weight-gradient GEMMs (Megatron-LM since 2021-09); off blocks on them').choices([...TP_ASYNC_ALLREDUCE_MODES]))
    .addOption(new Option('--rank-variation <mode>', "waiting for the slowest rank: expected-max (the GPU preset's per-GPU kernel-time spread, its expected maximum over the job's GPUs; the default) or off").choices([...RANK_VARIATIONS]))
    .addOption(new Option('--grad-buffer <mode>', "passes over the local gradient buffer each step: megatron (Megatron DDP: zeroed, NaN-checked norm, 1/DP scaling) or off (default)").choices([...GRAD_BUFFER_MODES]))
    .addOption(new Option('--autocast-cache <what>', "with fp32 weights: autocast keeps every weight's 16-bit copy until the forward pass ends, or none (FSDP1)").choices([...AUTOCAST_CACHES]))
    .option('--zero-bucket-params <n>', 'parameters per ZeRO-3 gather call (0 = a layer, as FSDP; DeepSpeed: 5e7)')
    .addOption(new Option('--network <model>', 'network model: analytical, or flow-level over the topology').choices(['analytical', 'flow'])) as C;
}

/** The largest scenario file read: a scenario is a few hundred bytes, an inline system a few KB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** YAML aliases at most (a "billion laughs" file expands a few aliases into gigabytes). */
const MAX_YAML_ALIASES = 100;
/** Mappings and lists nested at most this deep (a scenario is 3 levels; deeper is hostile). */
const MAX_CONFIG_DEPTH = 32;

const configError = (file: string, why: string, flag = '--config'): ClusterTwinError => new ClusterTwinError('config_file', flag, `${file}: ${why}`);

/**
 * Reads at most MAX_CONFIG_BYTES of a regular file (a FIFO or /dev/zero would never end); `flag`
 * names the flag that gave the file, `what` the kind of file, in the errors.
 */
export function readBounded(file: string, flag = '--config', what = 'a scenario file'): string {
  let fd: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw configError(file, `is a folder, not ${what}`, flag);
    if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice()) throw configError(file, 'is not a file', flag);
    fd = openSync(file, 'r');
  } catch (err) {
    if (err instanceof ClusterTwinError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ClusterTwinError('config_file', flag, `cannot read ${file} (${code})`);
  }
  try {
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_CONFIG_BYTES) throw configError(file, `is larger than ${MAX_CONFIG_BYTES / 1024} KiB; ${what} is a few KB`, flag);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The deepest nesting of mappings and lists in a parsed value (iterative: no stack to overflow). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, d + 1);
    if (deepest > MAX_CONFIG_DEPTH) return deepest;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** Reads a YAML or JSON scenario file (JSON strictly, by its .json name). */
export function readConfigFile(file: string): unknown {
  const text = readBounded(file);
  let data: unknown;
  if (/\.json$/i.test(file)) {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw configError(file, `not valid JSON: ${(err as Error).message}`);
    }
  } else {
    try {
      data = parse(text, { maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      if (err instanceof YAMLParseError) {
        const pos = err.linePos?.[0];
        throw new ClusterTwinError('config_file', '--config', `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${err.message.split('\n')[0]}`);
      }
      // The yaml package throws plain errors for alias bombs ("Excessive alias count") and deep nesting.
      throw configError(file, `not a valid scenario file: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw configError(file, 'must hold a mapping of scenario fields');
  if (depthOf(data) > MAX_CONFIG_DEPTH) throw configError(file, `nests deeper than ${MAX_CONFIG_DEPTH} levels; a scenario is a few`);
  return data;
}

type Opts = Record<string, unknown>;

/** Turns parsed flags into scenario fields (dropping CLI-only flags). */
function flagsToInput(opts: Opts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(FLAG_OF_KEY)) {
    const v = opts[key];
    if (v === undefined) continue;
    if (key === 'layersPerStage' && typeof v === 'string') {
      // Each item a count like any other; an empty one ("8,,8") is NaN and refused, not 0.
      out[key] = v.split(',').map((x) => parseCount(x));
    } else {
      out[key] = v;
    }
  }
  return out;
}

/**
 * The scenario a command runs: the default scenario, under the config file,
 * under the flags. When the user changes the workload (model, system, GPUs,
 * shape) the default's parallel split is not carried over: the engine
 * chooses one for the new workload instead.
 */
export function scenarioFromOptions(opts: Opts, catalog: PresetCatalog): ScenarioInputParsed {
  const flags = flagsToInput(opts);
  // --model path/to/config.json: a Hugging Face config read into an inline model (src/cli/model-file.ts).
  if (typeof flags.model === 'string') flags.model = modelOrFile(flags.model, catalog, '--model');
  const file = typeof opts.config === 'string' ? (readConfigFile(opts.config) as Record<string, unknown>) : undefined;
  // `model: ./config.json` in a scenario file is relative to the scenario file.
  if (file && typeof file.model === 'string') file.model = modelOrFile(file.model, catalog, `${opts.config as string}: model`, dirname(opts.config as string));
  const base = (catalog.scenarios.default as Record<string, unknown> | undefined) ?? {};
  const user = { ...(file ?? {}), ...flags };
  if (file) {
    try {
      parseScenarioInput(file);
    } catch (err) {
      if (err instanceof ClusterTwinError) {
        throw new ClusterTwinError(err.code, [opts.config as string, err.path].filter(Boolean).join(': '), err.detail);
      }
      throw err;
    }
  }
  return parseScenarioInput(layerScenario(base, user));
}
