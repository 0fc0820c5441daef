/**
 * `clustertwin simulate`: one training scenario, one step simulated, the run
 * extrapolated. Thin: parse, call the engine, print.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { pc } from '../color.js';
import { invalid } from '../../errors.js';
import { accuracyForKey, accuracySentence, type AccuracyEntry } from '../../validation/accuracy.js';
import { ACCURACY } from '../../validation/accuracy-table.js';
import { intervalLabel, intervalText, predictionIntervals, rangeText, type PredictionIntervals } from '../../validation/interval.js';
import { INTERVALS } from '../../validation/interval-table.js';
import { evaluateScenario, resolveScenario, type SimulationResult } from '../../engine.js';
import { loadPresets } from '../../node/presets.js';
import { formatBytes, formatCount, formatDuration } from '../../units.js';
import { freesGradsBetweenSteps } from '../../memory/memory-model.js';
import { activeParamsPerToken, totalParams } from '../../model/transformer.js';
import { addScenarioOptions, scenarioFromOptions } from '../scenario-options.js';
import { modelTitle, runTokensText, tokensGivenBy } from '../describe-scenario.js';
import { columns, heading, int, keyValues, pct, shareTable, usd } from '../format.js';

export function simulateCommand(): Command<any, any> {
  const cmd = new Command('simulate')
    .description('simulate one training step of a model on a machine, and the whole run')
    .addHelpText(
      'after',
      `
With no flags it runs the default scenario: GPT-3 175B on 1,024 A100 80GB
(ndm-a100-v4) with TP 8 x PP 8, for GPT-3's published 300B tokens. Flags
override it; --config FILE reads a YAML or JSON scenario whose keys are these
flags in camelCase. Without --tokens a run trains the model's published
tokens, or 20 a parameter (Chinchilla) where its preset states none. Counts
accept decimal suffixes: 300e9, 300B, 16M, 15.6T (so 16K is 16,000).

The step time and the time to train come with an 80% interval: where
published runs of the same GPU, precision, kernels and scale landed against
the twin in the validation suite (falling back to coarser pools, and to every
run where none is close, said so; --json: stepTimeInterval and
timeToTrainInterval; method and measured coverage: docs/accuracy.md).

Examples:
  clustertwin simulate
  clustertwin simulate --system dgx-h100 --model llama3-405b --gpus 16384 --tp 8 --pp 16 --seq 8192 --gbs 2048 --recompute full
  clustertwin simulate --model llama3-70b --gpus 512 --json
  clustertwin simulate --model ./Meta-Llama-3.1-8B/config.json --gpus 64 --json   # a Hugging Face config.json
  clustertwin simulate --system dgx-h100 --model gpt3-175b --gpus 512 --tp 4 --pp 8 --vp 12 --gbs 2048 --precision fp8 \\
    --overlap tp,dp,pp --fp8-amax-reduction tp-cp-async --tp-overlap-reduce-scatter pipeline   # MLPerf v3.1's FP8 settings`,
    );
  addScenarioOptions(cmd)
    .option('--json', 'print one JSON object instead of tables')
    .addOption(new Option('--timeline', 'include every event of the step in --json output'));
  return cmd.action((raw) => {
    const opts = raw as Record<string, unknown>;
    if (opts.timeline && !opts.json) throw invalid('--timeline', 'adds the step\'s events to --json output; give --json too');
    const catalog = loadPresets();
    const scenario = resolveScenario(scenarioFromOptions(opts, catalog), catalog);
    const result = evaluateScenario(scenario, { timeline: Boolean(opts.timeline) });
    // The suite's record for this kind of prediction, looked up here at the edge (see accuracyKey).
    const accuracy = accuracyForKey(ACCURACY, result.accuracyKey) ?? null;
    // And the interval the suite's residuals of the nearest kind give (validation/interval.ts).
    const intervals = resultIntervals(result);
    if (opts.json) {
      // params / activeParams: the model's size at a glance (an imported config.json checks itself against its card).
      const model = result.config.model;
      process.stdout.write(`${JSON.stringify({ ...result, accuracy, ...intervals, params: totalParams(model), activeParams: activeParamsPerToken(model) }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${renderSimulation(result, { tokensGivenBy: tokensGivenBy(opts), accuracy, intervals })}\n`);
  });
}

/** The stated intervals of a result's step time and time to train, from the suite's residuals of its kind and scale. */
export const resultIntervals = (r: Pick<SimulationResult, 'accuracyKey' | 'config' | 'stepTimeSeconds' | 'timeToTrainSeconds'>): PredictionIntervals =>
  predictionIntervals(INTERVALS, { ...r.accuracyKey, gpus: r.config.execution.gpus }, r);

export interface RenderOptions {
  /** What set the tokens when the scenario gave them (`--tokens`, the config file). */
  tokensGivenBy?: string;
  /** The validation suite's record for the result's accuracyKey (null or absent: none). */
  accuracy?: AccuracyEntry | null;
  /** The stated intervals (absent: not printed). */
  intervals?: PredictionIntervals;
}

/** The human-readable summary of a simulation. */
export function renderSimulation(r: SimulationResult, opts: RenderOptions = {}): string {
  const { system, model, execution: e } = r.config;
  const out: string[] = [];
  out.push(
    `${heading(modelTitle(model))} on ${int(e.gpus)} x ${system.gpu.description ?? system.gpu.name} (${system.name})`,
  );
  out.push(
    keyValues([
      [
        'parallelism',
        `TP ${e.tp} · PP ${e.pp} · DP ${e.dp} · CP ${e.cp} · EP ${e.ep} · VP ${e.vp} · SP ${e.sp ? 'on' : 'off'} · ZeRO ${e.zero}`,
      ],
      ['execution', `recompute ${e.recompute} · ${e.precision}${e.weightDtype === 'fp32' ? ' (fp32 weights, autocast)' : ''} · ${e.attention} attention · ${e.kernels} kernels · overlap ${overlapText(e.overlap)}`],
      ['batch', `${int(e.gbs)} x ${int(e.seq)} tokens (${formatCount(r.tokensPerStep)} tokens/step), micro-batch ${e.mbs}, ${e.microbatches} per pipeline`],
      ['layers/stage', compactSplit(e.layersPerStage)],
    ]),
  );
  if (!r.achievable) out.push(pc.red(NOT_ACHIEVABLE_LONG));
  // Below the block (and the warning, whose line tests and users find at a fixed place), aligned with it.
  out.push(keyValues([['parameters'.padEnd('layers/stage'.length), model.moe ? `${formatCount(totalParams(model))}, ${formatCount(activeParamsPerToken(model))} active per token` : formatCount(totalParams(model))]]));
  out.push('');
  out.push(heading('Step'));
  out.push(
    keyValues([
      ['step time', formatDuration(r.stepTimeSeconds)],
      ...(opts.intervals ? [[intervalLabel(opts.intervals.stepTimeInterval), intervalText(opts.intervals.stepTimeInterval, formatDuration)] as [string, string]] : []),
      ['tokens/s', formatCount(r.tokensPerSecond)],
      ['MFU / HFU', `${pct(r.mfu)} / ${pct(r.hfu)}`],
      ['TFLOP/s per GPU', `${r.tflopsPerGpu.toFixed(1)} model, ${r.hardwareTflopsPerGpu.toFixed(1)} with recompute`],
    ]),
  );
  out.push('');
  out.push(heading(`Where the step time goes (pipeline stage ${r.criticalStage}, the last to finish)`));
  const b = r.breakdown;
  const rows: Array<[string, number]> = [
    ['compute', b.computeSeconds],
    ['recompute', b.recomputeSeconds],
    ['optimizer', b.optimizerSeconds],
    ['TP communication (exposed)', b.tpCommSeconds],
    ['CP communication (exposed)', b.cpCommSeconds],
    ['EP communication (exposed)', b.epCommSeconds],
    ['PP communication (exposed)', b.ppCommSeconds],
    ['DP communication (exposed)', b.dpCommSeconds],
    ...(b.rankWaitSeconds > 0 ? ([['waiting for the slowest rank', b.rankWaitSeconds]] as Array<[string, number]>) : []),
    ['pipeline bubble', b.bubbleSeconds],
  ];
  out.push(shareTable(['', 'time', 'share'], rows, r.stepTimeSeconds, formatDuration));
  out.push('');
  const m = r.memory;
  const fits = r.fitsInMemory ? pc.green('fits') : pc.red('does NOT fit');
  out.push(heading(`Memory per GPU (stage ${m.stage}, the fullest): ${formatBytes(r.peakMemoryBytesPerGpu)} of ${formatBytes(r.memoryCapacityBytesPerGpu)}, ${fits}`));
  out.push(
    keyValues([
      ['weights', formatBytes(m.weightsBytes)],
      ['gradients', m.gradsBytes === 0 && freesGradsBetweenSteps(e) ? `${formatBytes(0)} at the peak (none until the backward pass: the loop frees them between steps)` : formatBytes(m.gradsBytes)],
      ['optimizer states', formatBytes(m.optimizerBytes)],
      ['activations', formatBytes(m.activationsBytes)],
      ['largest transient', `${formatBytes(m.transientBytes)} (loss, autocast's weight copies, a recomputed layer, gathered ZeRO-3 weights: those alive at the peak)`],
      ['runtime reserve', formatBytes(m.reserveBytes)],
    ]),
  );
  out.push('');
  out.push(heading(`Run: ${runTokensText(e, opts.tokensGivenBy ?? 'the scenario')}`));
  if (!r.achievable) out.push(pc.red(`  ${NOT_ACHIEVABLE}`));
  const price = system.pricing.usdPerGpuHour;
  out.push(
    columns([
      ['steps', int(r.steps)],
      ['', 'no failures', 'with failures'],
      ['time to train', formatDuration(r.timeToTrainSeconds), formatDuration(r.timeToTrainWithFailuresSeconds)],
      // One cell after the label, so that the columns keep their widths.
      ...(opts.intervals ? [[intervalLabel(opts.intervals.timeToTrainInterval), `${rangeText(opts.intervals.timeToTrainInterval, formatDuration)} without failures (the step time's, applied to the run)`]] : []),
      ['GPU-hours', int(r.gpuHours), int(r.gpuHoursWithFailures)],
      ['cost', usd(r.costUsd), usd(r.costWithFailuresUsd)],
      ['failures', `goodput ${pct(r.goodput)}, ~${int(r.expectedInterruptions)} interruptions, checkpoint every ${formatDuration(r.checkpointIntervalSeconds)} (expected; clustertwin reliability for more)`],
      ['prices', `$${price}/GPU-hour; with failures, the job's GPUs and ${int(r.hotSpareNodes)} hot spare node${r.hotSpareNodes === 1 ? '' : 's'} over the whole wall-clock time`],
      ['energy', `${r.energyMWh.toFixed(1)} MWh (PUE ${system.power.pue}), no failures counted`],
    ]),
  );
  out.push('');
  const k = r.accuracyKey;
  out.push(`${pc.bold('Accuracy')}: ${accuracySentence(opts.accuracy ?? undefined, system.gpu.description ?? system.gpu.name, e.precision, k.kernels, k.moe, k.shardedWeights)}.`);
  // The list itself is long (~1,700 characters) and the same every run: point to it instead.
  out.push(pc.dim(`Not modelled: ${r.notModelled.length} effects, listed in --json's notModelled and the README's "What is not modelled yet".`));
  return out.join('\n');
}

/** Said when the configuration does not fit: the figures are hypothetical. */
const NOT_ACHIEVABLE_LONG = 'does not fit in GPU memory: the step, run time and cost below are what it would take if it fitted; not achievable as configured';
const NOT_ACHIEVABLE = 'not achievable as configured: it does not fit in memory (figures as if it did)';

function overlapText(o: { tp: boolean; dp: boolean; pp: boolean }): string {
  const on = (['tp', 'dp', 'pp'] as const).filter((k) => o[k]);
  return on.length ? on.join(',') : 'none';
}

/** `7, 8 x14, 7` for long splits. */
function compactSplit(split: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < split.length; ) {
    let j = i;
    while (j + 1 < split.length && split[j + 1] === split[i]) j++;
    const n = j - i + 1;
    parts.push(n > 1 ? `${split[i]} x${n}` : String(split[i]));
    i = j + 1;
  }
  return parts.join(', ');
}
