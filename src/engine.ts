/**
 * The engine, end to end:
 *
 *   input ─► resolve ─► split ─► costs ─────────────► schedule ─► run ─► result
 *   (flags,   (presets,  (TP/PP   (kernels, memory,    (1F1B event  (time to train,
 *    config)   defaults,  when     collectives on       simulation,  GPU-hours,
 *              checks)    unset)   the network model)   or closed    energy, cost)
 *                                                        form)
 *
 * Every phase is a function of the one before; nothing here touches files,
 * the terminal or Node, so the same engine runs in the browser.
 */
import { accuracyKeyOf, type AccuracyKey } from './config/accuracy-key.js';
import type { PresetCatalog } from './config/catalog.js';
import type { Execution } from './config/execution-schema.js';
import { parseScenarioInput, type ScenarioInput, type ScenarioInputParsed } from './config/scenario-input.js';
import { resolveExecution, scenarioModel, scenarioSystem, type Scenario } from './config/resolve.js';
import type { ModelSpec } from './config/model-schema.js';
import type { SystemSpec } from './config/system-schema.js';
import { ClusterTwinError } from './errors.js';
import { gemmFlops, peakFlopsPerSecond } from './compute/kernel.js';
import { selectiveOpSplit } from './compute/shard-shape.js';
import { analyticalNetwork } from './network/analytical.js';
import { flowNetwork } from './network/flow/flow-network.js';
import type { NetworkModel } from './network/network-model.js';
import type { JobPlacement } from './network/job-placement.js';
import { parallelLayout, type ParallelLayout } from './parallel/layout.js';
import { chunkLayers } from './parallel/stage-split.js';
import { stageMemory, type StageMemory } from './memory/memory-model.js';
import { planningLimitBytes } from './memory/headroom.js';
import { stagePeakInFlight, type InFlight } from './schedule/in-flight.js';
import { shardShape, stepCosts, type StepCosts } from './schedule/step-costs.js';
import { stepMix } from './schedule/step-mix.js';
import { sustainedClock, withClockFactor } from './compute/power-clock.js';
import { simulateStep, type StepBreakdown, type TimelineEvent } from './schedule/step-simulation.js';
import { estimateStepSeconds } from './schedule/closed-form.js';
import { runEstimate, type RunEstimate } from './run/run-model.js';
import { runWithFailures, type RunWithFailures } from './reliability/run-with-failures.js';
import { forwardFlopsPerSequence, headDim } from './model/transformer.js';
import { GIB } from './units.js';
import { checkFabricHolds } from './topology/fat-tree-geometry.js';
import { MAX_FLOW_STEP_GPUS, MAX_TIMELINE_PASSES } from './config/bounds.js';

/** Phase 1: resolve what the user wrote into a runnable scenario (choosing TP and PP when unset). */
export function resolveScenario(input: ScenarioInput | ScenarioInputParsed, catalog: PresetCatalog): Scenario {
  const parsed = parseScenarioInput(input);
  const system = scenarioSystem(parsed, catalog);
  const model = scenarioModel(parsed, catalog);
  if (parsed.gpus !== undefined) checkFabricHolds(system, parsed.gpus);
  const exec =
    parsed.tp !== undefined && parsed.pp !== undefined
      ? resolveExecution({ ...parsed, tp: parsed.tp, pp: parsed.pp }, model, system)
      : chooseSplit(parsed, model, system);
  // GPUs may come from --dp x the split rather than --gpus.
  checkFabricHolds(system, exec.gpus, parsed.gpus === undefined ? 'dp' : 'gpus');
  if (exec.network === 'flow' && exec.gpus > MAX_FLOW_STEP_GPUS) {
    throw new ClusterTwinError(
      'out_of_range',
      'network',
      `the flow-level network times a step of at most ${MAX_FLOW_STEP_GPUS.toLocaleString('en-US')} GPUs (it solves every flow: minutes beyond); use --network analytical for ${exec.gpus.toLocaleString('en-US')}`,
    );
  }
  return { system, model, exec };
}

/**
 * When TP or PP is not given: the fastest split (by the closed-form estimate)
 * among TP in powers of two up to the NVLink domain and PP dividing the GPUs,
 * that fits in memory with the planner's headroom for allocator fragmentation
 * (memory/headroom.ts); else the fastest that fits at all; if none fits, the
 * one needing least memory.
 */
function chooseSplit(parsed: ScenarioInputParsed, model: ModelSpec, system: SystemSpec): Execution {
  const domain = system.node.nvlinkDomainGpus ?? system.node.gpusPerNode;
  const tps = parsed.tp !== undefined ? [parsed.tp] : [1, 2, 4, 8, 16, 32, 64].filter((t) => t <= domain);
  const gpus = parsed.gpus ?? 0;
  // 2: fits with the headroom, 1: fits in the whole HBM, 0: does not fit.
  const limits = [planningLimitBytes(hbmBytes(system)), hbmBytes(system)];
  let best: { exec: Execution; seconds: number; fit: number; memory: number } | undefined;
  let firstError: unknown;
  for (const tp of tps) {
    const pps =
      parsed.pp !== undefined ? [parsed.pp] : [1, 2, 4, 8, 16, 32, 64, 128].filter((p) => p <= model.layers && (gpus === 0 || gpus % (tp * p) === 0));
    for (const pp of pps) {
      let exec: Execution;
      try {
        exec = resolveExecution({ ...parsed, tp, pp }, model, system);
      } catch (err) {
        firstError ??= err;
        continue;
      }
      const scenario = { system, model, exec };
      const seconds = estimateStep(scenario).stepTimeSeconds;
      const memory = Math.max(...memoryByStage(scenario).map((s) => s.totalBytes));
      const fit = memory <= limits[0] ? 2 : memory <= limits[1] ? 1 : 0;
      const better =
        !best ||
        fit > best.fit ||
        (fit === best.fit && (fit > 0 ? seconds < best.seconds * (1 - 1e-9) : memory < best.memory));
      if (better) best = { exec, seconds, fit, memory };
    }
  }
  if (!best) {
    if (firstError instanceof ClusterTwinError) throw firstError;
    // Nothing was tried: no PP of the candidates divides the GPUs with this TP. Say why in terms of the TP given.
    if (parsed.tp !== undefined) {
      // resolveExecution checks the model's divisibility first; on one replica it names what is wrong with the TP.
      try {
        resolveExecution({ ...parsed, tp: parsed.tp, pp: 1, gpus: undefined, dp: 1 }, model, system);
      } catch (err) {
        if (err instanceof ClusterTwinError && err.path === 'tp') throw err;
      }
      if (gpus % parsed.tp !== 0) throw new ClusterTwinError('not_divisible', 'tp', `TP ${parsed.tp} does not divide the ${gpus} GPUs`);
    }
    throw new ClusterTwinError('invalid_value', 'tp', 'no valid TP x PP split for this model and GPU count; set --tp and --pp');
  }
  return best.exec;
}

/** Usable HBM of one GPU, bytes. */
export const hbmBytes = (system: SystemSpec): number => system.gpu.hbmGiB * GIB;

const defaultNetworks = new WeakMap<SystemSpec, NetworkModel>();

/** The analytical network of a system, built once per system object (it memoizes answers). */
export function defaultNetwork(system: SystemSpec): NetworkModel {
  let net = defaultNetworks.get(system);
  if (!net) defaultNetworks.set(system, (net = analyticalNetwork(system)));
  return net;
}

/**
 * The network model a scenario asks for: the memoized analytical one, or a flow-level model of its
 * job's topology. Given where the job landed (`placement`: its nodes, or the leaf groups and pods it
 * spans), a model of that placement: its collectives pay the hops and the oversubscription of the
 * tiers they cross. Absent, the placement-free answer.
 */
export function scenarioNetwork(s: Scenario, placement?: JobPlacement): NetworkModel {
  if (placement) return s.exec.network === 'flow' ? flowNetwork(s.system, s.exec.gpus, placement) : analyticalNetwork(s.system, placement);
  return s.exec.network === 'flow' ? flowNetwork(s.system, s.exec.gpus) : defaultNetwork(s.system);
}

const layouts = new Map<string, ParallelLayout>();

/**
 * The rank layout, one object per distinct split: the network model
 * recognises a group it has seen by its object, so reusing them saves work.
 */
function cachedLayout(s: Scenario): ParallelLayout {
  const e = s.exec;
  const n = s.system.node;
  const domain = n.nvlinkDomainGpus ?? n.gpusPerNode;
  const key = `${e.gpus}|${e.tp}|${e.cp}|${e.ep}|${e.etp}|${e.dp}|${e.pp}|${n.gpusPerNode}|${domain}`;
  let layout = layouts.get(key);
  if (!layout) {
    if (layouts.size > 10_000) layouts.clear();
    layout = parallelLayout(e, n.gpusPerNode, domain);
    layouts.set(key, layout);
  }
  return layout;
}

/**
 * Phase 2: the cost of every pass, transfer and reduction of one step. With `powerClock: step-mix`
 * and a GPU whose preset has a measured sustained-clock curve, the step is costed once at the preset's
 * rates to find its GEMM duty, then again at the clock that duty sustains (compute/power-clock.ts).
 */
export function scenarioCosts(s: Scenario, network?: NetworkModel): StepCosts {
  const net = network ?? scenarioNetwork(s);
  const layout = cachedLayout(s);
  const gpu = s.system.gpu;
  const costs = stepCosts({ model: s.model, exec: s.exec, gpu, network: net, layout, hostCpuSlowdown: s.system.node.hostCpuSlowdown }, s.exec.layersPerStage);
  if (s.exec.powerClock === 'off' || !gpu.sustainedClock) return costs;
  const { factor } = sustainedClock(gpu.sustainedClock, stepMix(s.exec, costs));
  if (factor === 1) return costs;
  return stepCosts({ model: s.model, exec: s.exec, gpu: withClockFactor(gpu, factor), network: net, layout, hostCpuSlowdown: s.system.node.hostCpuSlowdown }, s.exec.layersPerStage);
}

const inFlightMemo = new Map<string, InFlight>();

/** Peak in-flight micro-batches of one stage under interleaving, memoized: the planner asks for the same pipeline shapes thousands of times. */
function interleavedInFlight(stage: number, pp: number, vp: number, microbatches: number, layers: number): InFlight {
  const key = `${stage}|${pp}|${vp}|${microbatches}|${layers}`;
  let hit = inFlightMemo.get(key);
  if (!hit) {
    if (inFlightMemo.size > 100_000) inFlightMemo.clear();
    hit = stagePeakInFlight(stage, pp, vp, microbatches, chunkLayers(layers, vp));
    inFlightMemo.set(key, hit);
  }
  return hit;
}

/** Peak memory of one GPU on every pipeline stage. */
export function memoryByStage(s: Scenario): StageMemory[] {
  const e = s.exec;
  const shape = shardShape(e);
  return e.layersPerStage.map((layers, stage) => {
    // 1F1B holds min(pp - stage, m) micro-batches; interleaving needs the actual order.
    const inFlight =
      e.vp === 1
        ? { layerMicrobatches: layers * Math.min(e.pp - stage, e.microbatches), firstChunkMicrobatches: Math.min(e.pp - stage, e.microbatches) }
        : interleavedInFlight(stage, e.pp, e.vp, e.microbatches, layers);
    return stageMemory({
      model: s.model,
      exec: e,
      gpu: s.system.gpu,
      shape,
      stage,
      layers,
      inFlightLayerMicrobatches: inFlight.layerMicrobatches,
      inFlightFirstChunk: inFlight.firstChunkMicrobatches,
    });
  });
}

/**
 * FLOPs of one step, whole job, three ways:
 * - modelFlops: the model's, no recompute, attention over the full unmasked sequence (the
 *   Megatron-LM / PaLM / torchtitan convention that published MFU figures use);
 * - hardwareFlops: modelFlops plus the recompute, in the same convention (what Megatron-LM papers
 *   report as hardware FLOPs);
 * - executedFlops: what the GPUs run as the step's kernels time it: a fused attention kernel skips
 *   the masked half of a causal sequence and recomputes its scores inside its backward (2.5x its
 *   forward, Dao 2023), so it runs 1.75 forward passes of causal attention where the convention
 *   counts 3 of unmasked. HFU is this over the peak, so it can never pass 100%; at contexts where
 *   attention dominates, MFU (the convention) can.
 */
export function stepFlops(s: Scenario): { modelFlops: number; hardwareFlops: number; executedFlops: number } {
  const { model: m, exec: e } = s;
  const perSeq = forwardFlopsPerSequence(m, e.seq);
  const modelFlops = 3 * perSeq * e.gbs;
  const logits = 2 * e.seq * m.hidden * m.vocab;
  const layersForward = perSeq - logits;
  // Scores and context of every layer, forward, over the unmasked sequence.
  const attentionForward = m.layers * 2 * 2 * e.seq * e.seq * m.heads * headDim(m);
  const fused = e.attention !== 'unfused';
  let recompute = 0;
  let recomputeExecuted = 0;
  if (e.recompute === 'full') {
    recompute = layersForward;
    recomputeExecuted = layersForward - (fused ? 0.5 * attentionForward : 0);
  } else if (e.recompute === 'selective') {
    recompute = attentionForward;
    // Megatron-Core checkpoints the attention core whatever its kernel, so a fused kernel's forward runs
    // again: half the unmasked count for a causal sequence (compute/layer-kernels.ts times it too).
    recomputeExecuted = fused ? 0.5 * attentionForward : attentionForward;
  } else if (e.recompute === 'selective-op') {
    const one = { ...shardShape(e), mbs: 1, tp: 1, cp: 1, ep: 1, sp: false };
    recompute = m.layers * selectiveOpSplit(m, one).recomputed.reduce((n, g) => n + gemmFlops(g), 0);
    recomputeExecuted = recompute;
  }
  // Fused attention: 0.5 (causal) x (1 forward + 2.5 backward) = 1.75 forward units, not 3.
  const attentionExecuted = fused ? 1.75 * attentionForward : 3 * attentionForward;
  const executedPerSeq = 3 * perSeq - 3 * attentionForward + attentionExecuted + recomputeExecuted;
  return { modelFlops, hardwareFlops: modelFlops + recompute * e.gbs, executedFlops: executedPerSeq * e.gbs };
}

/** The `--json` contract of `simulate`. */
export interface SimulationResult extends RunWithFailures {
  stepTimeSeconds: number;
  tokensPerSecond: number;
  /** Model FLOPs utilization: model FLOPs (no recompute) over the dense peak of the chosen precision. */
  mfu: number;
  /** Hardware FLOPs utilization: the FLOPs the GPUs execute (recompute included, causal attention as a fused kernel runs it), same peak; never above 1. */
  hfu: number;
  /** Model TFLOP/s per GPU. */
  tflopsPerGpu: number;
  /** Hardware TFLOP/s per GPU (with recompute; what Megatron-LM papers report). */
  hardwareTflopsPerGpu: number;
  peakMemoryBytesPerGpu: number;
  memoryCapacityBytesPerGpu: number;
  fitsInMemory: boolean;
  /**
   * Whether the job can run as configured. False when it does not fit in memory: every time, cost
   * and energy figure is then what it would take if it fitted, not something the machine can do.
   */
  achievable: boolean;
  /** Memory of the fullest stage's GPU, bytes by kind. */
  memory: StageMemory;
  /** Where the step time goes, seconds by kind (sums to stepTimeSeconds). */
  breakdown: StepBreakdown;
  criticalStage: number;
  steps: number;
  tokensPerStep: number;
  timeToTrainSeconds: number;
  gpuHours: number;
  energyMWh: number;
  costUsd: number;
  /** Which step model produced the step time. */
  method: 'event-simulation' | 'closed-form';
  network: string;
  config: { system: SystemSpec; model: ModelSpec; execution: Execution };
  /** What the result does not include yet. */
  notModelled: string[];
  /**
   * What the stated accuracy of this prediction depends on (GPU, precision, kernels, MoE, sharded
   * weights): look it up in the validation suite's table (validation/accuracy.ts, accuracyForKey).
   * The engine does not look it up itself, so it never imports the suite above it.
   */
  accuracyKey: AccuracyKey;
  timeline?: TimelineEvent[];
}

export const NOT_MODELLED = [
  'correlated failures (a rack, switch or power event taking several nodes at once): failures are independent; timeToTrainSeconds is failure-free, timeToTrainWithFailuresSeconds counts them',
  'data loading, Python between steps and the host queue refilling after each synchronisation: with --host-overhead launch-queue the CPU issues each layer\'s kernels at published per-op costs (not measured on the user\'s host), and the optimizer and the model\'s ends are not put through the queue (docs/sources/host-overhead.md)',
  'the activation memory inside an eager layer (a reference RMSNorm\'s fp32 copies, an autocast copy of a norm\'s output per Linear): a layer\'s saved tensors are counted as Megatron\'s fused layer keeps them; eager losses, autocast\'s weight copies and gradients freed between steps are counted',
  'the SM clock under the power cap per pipeline stage and on GPUs without a measured duty curve: with --power-clock step-mix, H100 and H200 steps slow by the clock their own GEMM duty sustains (one factor for the whole step, from its mix over all stages); A100, B200 and GB200 keep their preset rates at every mix (no duty measurement)',
  'the communication slowed by more than HBM bandwidth (NCCL #1433\'s one-block send, up to 2x; memory latency, L2), and wave quantisation under overlaps that span a whole pass: --overlap-interference both-ways counts the SMs, HBM traffic and per-chunk gaps an overlapped collective costs the compute and the compute\'s HBM traffic the collective waits on, and still hides more TP communication than Transformer Engine\'s measured overlap (FLUX cases: 56% against 20%), so predictions with --overlap tp may run fast (docs/sources/tp-overlap.md)',
  'rank-to-rank kernel-time variation as measured on the GPU itself: --rank-variation expected-max (the default) charges a class-level spread from V100-era clusters, not measured on A100, H100 or Blackwell; per-step OS and network jitter are not modelled at all (docs/sources/variability.md)',
  'FP8\'s gain where it is smaller than the GEMM rates give: on Grok-1 (H100) and on GB200 the twin\'s FP8 step is a smaller share of the BF16 one than measured; the quantisation costs counted are Transformer Engine\'s per recipe (docs/sources/fp8.md, docs/sources/blackwell.md)',
  'congestion from other jobs; with the flow network, only the DP reduction is solved together with the TP traffic it overlaps (other kinds are timed with all their own groups at once)',
];

export interface SimulateOptions {
  /** Keep every event of the step (for charts). */
  timeline?: boolean;
  network?: NetworkModel;
  /** Where the job landed (its nodes, or the leaf groups and pods it spans); ignored when `network` is given. Absent: the placement-free answer. */
  placement?: JobPlacement;
}

function assemble(s: Scenario, stepTimeSeconds: number, breakdown: StepBreakdown, criticalStage: number, method: SimulationResult['method'], netName: string): SimulationResult {
  const e = s.exec;
  const mem = memoryByStage(s);
  const fullest = mem.reduce((a, b) => (b.totalBytes > a.totalBytes ? b : a));
  const flops = stepFlops(s);
  const peak = peakFlopsPerSecond(s.system.gpu, e.precision) * e.gpus;
  const run: RunEstimate = runEstimate(s.system, e, stepTimeSeconds);
  const capacity = hbmBytes(s.system);
  return {
    stepTimeSeconds,
    tokensPerSecond: run.tokensPerStep / stepTimeSeconds,
    mfu: flops.modelFlops / stepTimeSeconds / peak,
    hfu: flops.executedFlops / stepTimeSeconds / peak,
    tflopsPerGpu: flops.modelFlops / stepTimeSeconds / e.gpus / 1e12,
    hardwareTflopsPerGpu: flops.hardwareFlops / stepTimeSeconds / e.gpus / 1e12,
    peakMemoryBytesPerGpu: fullest.totalBytes,
    memoryCapacityBytesPerGpu: capacity,
    fitsInMemory: fullest.totalBytes <= capacity,
    achievable: fullest.totalBytes <= capacity,
    memory: fullest,
    breakdown,
    criticalStage,
    steps: run.steps,
    tokensPerStep: run.tokensPerStep,
    timeToTrainSeconds: run.timeToTrainSeconds,
    gpuHours: run.gpuHours,
    energyMWh: run.energyMWh,
    costUsd: run.costUsd,
    ...runWithFailures(s, run.timeToTrainSeconds),
    method,
    network: netName,
    config: { system: s.system, model: s.model, execution: e },
    notModelled: NOT_MODELLED,
    accuracyKey: accuracyKeyOf(s),
  };
}

/** Phases 2-4 with the event simulation: the full answer for one scenario. */
export function evaluateScenario(s: Scenario, opts: SimulateOptions = {}): SimulationResult {
  const passes = s.exec.pp * s.exec.vp * s.exec.microbatches;
  if (opts.timeline && passes > MAX_TIMELINE_PASSES) {
    throw new ClusterTwinError(
      'out_of_range',
      'timeline',
      `the step has ${passes.toLocaleString('en-US')} micro-batch passes (PP x VP x micro-batches); --timeline keeps every event of at most ${MAX_TIMELINE_PASSES.toLocaleString('en-US')}: lower --gbs or raise --mbs`,
    );
  }
  const net = opts.network ?? scenarioNetwork(s, opts.placement);
  const costs = scenarioCosts(s, net);
  const sim = simulateStep(s.exec, costs, { keepTimeline: opts.timeline ?? false });
  const result = assemble(s, sim.stepTimeSeconds, sim.breakdown, sim.criticalStage, 'event-simulation', net.name);
  if (opts.timeline) result.timeline = sim.timeline;
  return result;
}

/** The closed-form step estimate (for the planner): step time only, no timeline. */
export function estimateStep(s: Scenario, network?: NetworkModel): { stepTimeSeconds: number } {
  const costs = scenarioCosts(s, network);
  return { stepTimeSeconds: estimateStepSeconds(s.exec, costs) };
}

/** Resolve and evaluate in one call. */
export function simulate(input: ScenarioInput, catalog: PresetCatalog, opts: SimulateOptions = {}): SimulationResult {
  return evaluateScenario(resolveScenario(input, catalog), opts);
}
