/**
 * `clustertwin plan`: the fastest (or cheapest) ways to split a training job
 * over a machine, and, over ranges of GPU counts and systems, the time-cost
 * Pareto front. Thin: parse, call the planner, print.
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { pc } from '../color.js';
import type { PresetCatalog } from '../../config/catalog.js';
import { ClusterTwinError, invalid } from '../../errors.js';
import { BOUNDS } from '../../config/bounds.js';
import { numberFlag } from '../flag-values.js';

/** Worker threads at most: each holds the catalog and a search; more than a few per core only costs memory. */
export const MAX_THREADS = 256;
import { loadPresets } from '../../node/presets.js';
import { resolveSystem } from '../../config/catalog.js';
import { scenarioModel } from '../../config/resolve.js';
import { parseScenarioInput } from '../../config/scenario-input.js';
import { accuracyFor, accuracySentence } from '../../validation/accuracy.js';
import { ACCURACY } from '../../validation/accuracy-table.js';
import { intervalLabel, intervalText, predictionIntervals, rangeText, type PredictionIntervals } from '../../validation/interval.js';
import { INTERVALS } from '../../validation/interval-table.js';
import { planOnThreads, searchShardOnThreads } from '../../node/planner-pool.js';
import { checkOutputFile, writeOutputFile } from '../../node/output-file.js';
import { SHARD_FORMAT, SHARD_FORMAT_VERSION, clustertwinVersion, shardFileText, shardFingerprint, type PlanShardFile } from '../../node/shard-file.js';
import { parseShard, planItems } from '../../planner/shard.js';
import { OBJECTIVES, parseObjective } from '../../planner/objectives.js';
import { PLAN_DEFAULTS, RECHECKED_VARIANTS, withoutDefaultSplit, type Plan, type PlanReport, type PlanRequest } from '../../planner/plan.js';
import { parseRange } from '../../planner/ranges.js';
import { shellQuote } from '../../planner/replay.js';
import { formatBytes, formatDuration } from '../../units.js';
import { addScenarioOptions, scenarioFromOptions } from '../scenario-options.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FRAMEWORK_FORMATS, LAUNCHERS } from '../../interop/framework-target.js';
import { TARGETS } from '../../interop/targets.js';
import { exportScenario, exportText, writeExport, type ExportResult } from './export.js';
import { resolveScenario } from '../../engine.js';
import { heading, int, pct, usd } from '../format.js';
import { boxTable } from '../box-table.js';

export function planCommand(): Command<any, any> {
  const cmd = new Command('plan')
    .description('find the fastest or cheapest ways to split a training job over GPUs (and compare GPU counts and systems)')
    .addHelpText(
      'after',
      `
The planner enumerates every split the engine accepts (TP x CP x PP x DP x EP,
virtual stages, micro-batch, ZeRO stage, recompute, sequence parallelism),
drops those that do not fit in memory, ranks the rest with the closed-form
step estimate, re-checks the best with the event simulation and prints them.
Any split flag given (--tp 8, --recompute full, ...) is fixed, not searched.

Each plan is a different split (TP, PP, DP, CP, EP, ZeRO, recompute, SP): the
splits that differ from it only in VP and micro-batch are its variants, and
the "variants" column says how many more fit (--all-variants lists each one;
--json lists them under each plan's "variants"). The best --recheck splits of
each point (and their best ${RECHECKED_VARIANTS} variants) are re-checked with the event
simulation and ranked by it; plans beyond them (--top above --recheck) come
from the closed form, ranked by it, marked ~.

Memory: by default a plan uses at most 90% of each GPU's HBM (--max-memory-fraction
0.9), on top of the memory model's runtime reserve (CUDA context, NCCL buffers):
the rest is headroom for the PyTorch caching allocator's fragmentation, which
the model does not count. GMLake (ASPLOS 2024) measured it at 9.2 GB on average
(up to 25 GB) on A100 80 GB over eight LLMs; STWeaver (2025) up to 43% with
virtual stages and recompute. --max-memory-fraction 1 searches the whole HBM.

--objective time ranks by the failure-free time to train, cost by the
failure-free cost; the table shows both with failures too (interruptions,
restarts and checkpoints: the expected-value model simulate uses).

--gpus, --gbs and --system take lists: 512,1024 or 512..16384 (doubling) or
256..2048:256 (a step); several points print the best plan at each and the
time-cost Pareto front. Every plan prints the simulate arguments that
reproduce its figures.

Each plan's step time and time to train come with simulate's 80% interval
(--json: stepTimeInterval and timeToTrainInterval on each plan; the table
output states plan 1's; docs/accuracy.md).

--shard K/N (K from 1) searches one slice of the space, dealt by size so the
shards take about as long, and writes it as a shard file (to --out); once all
N have run, clustertwin merge shard-*.json prints what plan without --shard
prints (docs/interop/sharding.md: a Slurm array, a Kubernetes Indexed Job).

Examples:
  clustertwin plan --system dgx-h100 --model llama3-405b --gpus 16384 --seq 8192 --gbs 2048 --tokens 15.6T
  clustertwin plan --model llama3-70b --system dgx-h100,dgx-b200 --gpus 256..4096 --objective cost
  clustertwin plan --model gpt3-175b --gpus 1024 --tp 8 --json
  clustertwin plan --model llama3-405b --gpus 16384 --shard 3/16 --out shard-3.json
  clustertwin plan --model llama3-70b --system dgx-h100 --gpus 512 --export megatron --launcher slurm --export-dir run/`,
    );
  addScenarioOptions(cmd)
    .addOption(new Option('--objective <goal>', 'what to optimize').choices(OBJECTIVES).default(PLAN_DEFAULTS.objective))
    .option('--max-gpus <n>', 'use at most this many GPUs; without --gpus, searches one node, doubling, up to it')
    .option('--max-memory-fraction <f>', "use at most this fraction of each GPU's memory (the rest: headroom for allocator fragmentation)", String(PLAN_DEFAULTS.maxMemoryFraction))
    .option('--top <n>', 'plans to print (different splits, unless --all-variants)', String(PLAN_DEFAULTS.top))
    .option('--recheck <n>', 'best splits of each point re-checked with the event simulation; the rest of --top from the closed form', String(PLAN_DEFAULTS.recheck))
    .option('--all-variants', 'list VP and micro-batch variants of a split as plans of their own')
    .option('--threads <n>', 'threads to search with (default: every core)')
    .option('--json', 'print one JSON object instead of tables')
    .option('--out <file>', 'write to a file (whole, or not at all) instead of standard output')
    .option('--shard <K/N>', 'search only every N-th group of splits, from the K-th (K from 1), and write them as a shard file for clustertwin merge')
    .option('--export <format>', `also export the best plan as a framework's command line and config: ${EXPORT_FORMATS.join(', ')} (see clustertwin export)`)
    .option('--launcher <launcher>', `with --export: wrap it for ${LAUNCHERS.join(', ')}`)
    .option('--export-dir <dir>', 'with --export: write its files into this existing folder');
  return cmd.action(async (raw) => {
    const opts = raw as Record<string, unknown>;
    const shard = opts.shard === undefined ? undefined : parseShard(String(opts.shard));
    checkExportFlags(opts);
    // A shard holds a part of the search; its best plan is known only once the shards are merged.
    if (shard && opts.export !== undefined) throw invalid('--export', 'exports the best plan of a whole search; not with --shard (merge the shards, then run plan or export on the best plan)');
    const catalog = loadPresets();
    const request = planRequest(opts, catalog);
    const threads = opts.threads === undefined ? availableParallelism() : numberFlag(opts.threads, '--threads', { min: 1, max: MAX_THREADS, integer: true, unit: 'threads' });
    const out = typeof opts.out === 'string' ? opts.out : undefined;
    if (out !== undefined) checkOutputFile(out);
    const bar = !opts.json && process.stdout.isTTY ? progressBar() : undefined;
    const started = performance.now();
    let barStarted = false;
    const onProgress = (done: number, total: number): void => {
      if (!bar) return;
      if (!barStarted) bar.start(total, 0);
      barStarted = true;
      bar.update(done);
    };
    if (shard) {
      let searched;
      try {
        searched = await searchShardOnThreads(request, catalog, shard, { threads, onProgress });
      } finally {
        bar?.stop();
      }
      const prefix = replayPrefix(opts, request);
      const file: PlanShardFile = {
        format: SHARD_FORMAT,
        formatVersion: SHARD_FORMAT_VERSION,
        kind: 'plan',
        clustertwin: clustertwinVersion(),
        fingerprint: shardFingerprint('plan', planShardInputs(request, prefix), catalog),
        shard,
        items: planItems(searched.setup),
        output: opts.json ? 'json' : 'table',
        search: { threads: searched.threads, seconds: (performance.now() - started) / 1000 },
        request,
        replayPrefix: prefix,
        tasks: searched.setup.tasks.length,
        results: searched.results,
      };
      const text = shardFileText(file);
      if (out !== undefined) writeOutputFile(out, text);
      else process.stdout.write(text);
      return;
    }
    let pooled;
    try {
      pooled = await planOnThreads(request, catalog, { threads, replayPrefix: replayPrefix(opts, request), onProgress });
    } finally {
      bar?.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    // The best plan as a framework would run it (plan's own output is unchanged without --export).
    const exported = opts.export === undefined ? undefined : exportBestPlan(pooled.report.plans[0], opts, catalog);
    const exportJson = exported ? { export: { ...exported.config, launcher: opts.launcher ?? null, files: exported.files } } : undefined;
    let text = planOutput(pooled.report, pooled.threads, seconds, request, catalog, Boolean(opts.json), exportJson);
    if (exported && !opts.json) text += typeof opts.exportDir === 'string' ? `\nExported the best plan: ${exported.files.map((f) => join(opts.exportDir as string, f.path)).join(', ')}\n` : `\nThe best plan for ${String(opts.export)}:\n${exportText(exported)}`;
    if (out !== undefined) writeOutputFile(out, text);
    else process.stdout.write(text);
  });
}

/**
 * What `plan` prints for a report (a table, or with `json` one JSON object), each plan with its
 * stated interval and each system with its stated accuracy; `merge` prints a merged plan with it.
 */
export function planOutput(planReport: PlanReport, threads: number, seconds: number, request: PlanRequest, catalog: PresetCatalog, json: boolean, extraJson?: Record<string, unknown>): string {
  // Each plan's stated interval: the suite's residuals on its GPU, precision, kernels and scale.
  const precision = request.input.precision ?? 'bf16';
  const kernels = request.input.kernels ?? 'fused';
  const gpuOf = new Map<string, string>();
  const intervalsOf = (p: Plan): PredictionIntervals => {
    if (!gpuOf.has(p.system)) gpuOf.set(p.system, resolveSystem(catalog, p.system).gpu.name);
    return predictionIntervals(INTERVALS, { gpu: gpuOf.get(p.system) as string, precision, kernels, gpus: p.gpus }, p);
  };
  const withIntervals = (p: Plan): Plan & PredictionIntervals => ({ ...p, ...intervalsOf(p) });
  const report = { ...planReport, plans: planReport.plans.map(withIntervals), points: planReport.points.map((pt) => ({ ...pt, best: pt.best && withIntervals(pt.best) })) };
  if (json) return `${JSON.stringify({ ...report, search: { threads, seconds }, ...extraJson }, null, 2)}\n`;
  // Stated accuracy for each system searched: the suite's record on its GPU and this precision.
  const moe = scenarioModel(parseScenarioInput(request.input), catalog).moe !== undefined;
  const accuracy = [...new Set(report.points.map((p) => p.system))].map((name) => {
    const gpu = resolveSystem(catalog, name).gpu;
    // The best plan of this system says whether its weights are sharded (ZeRO-3), which errs apart.
    const best = report.plans.find((p) => p.system === name);
    const sharded = (best?.zero ?? 0) >= 3;
    return `${name}: ${accuracySentence(accuracyFor(ACCURACY, gpu.name, precision, kernels, moe, sharded), gpu.description ?? gpu.name, precision, kernels, moe, sharded)}`;
  });
  return `${renderPlan(report, threads, seconds, accuracy)}\n`;
}

/** What decides a plan's result: its fingerprinted inputs (the request and the replay prefix). */
export const planShardInputs = (request: PlanRequest, replayPrefix: readonly string[]): unknown => ({ request, replayPrefix });

const EXPORT_FORMATS = FRAMEWORK_FORMATS.filter((f) => TARGETS[f]);

/** --export's names, and --launcher and --export-dir only beside it, checked before the search. */
function checkExportFlags(opts: Record<string, unknown>): void {
  if (opts.export === undefined) {
    if (opts.launcher !== undefined) throw invalid('--launcher', 'wraps an export; give --export too');
    if (opts.exportDir !== undefined) throw invalid('--export-dir', "writes an export's files; give --export too");
    return;
  }
  if (!(EXPORT_FORMATS as readonly string[]).includes(String(opts.export))) throw invalid('--export', `unknown format "${String(opts.export).slice(0, 40)}"; allowed: ${EXPORT_FORMATS.join(', ')}`);
  if (opts.launcher !== undefined && !(LAUNCHERS as readonly string[]).includes(String(opts.launcher))) throw invalid('--launcher', `unknown launcher "${String(opts.launcher).slice(0, 40)}"; allowed: ${LAUNCHERS.join(', ')}`);
  if (typeof opts.exportDir === 'string' && !(existsSync(opts.exportDir) && statSync(opts.exportDir).isDirectory())) throw new ClusterTwinError('output_file', '--export-dir', `${opts.exportDir}: not an existing folder`);
}

/** The best plan's scenario (from its replay arguments, exactly as simulate runs it) exported. */
function exportBestPlan(best: Plan | undefined, opts: Record<string, unknown>, catalog: PresetCatalog): ExportResult {
  if (!best) throw new ClusterTwinError('does_not_fit', '--export', 'no plan to export');
  const replay = addScenarioOptions(new Command('replay')).exitOverride();
  replay.parse(best.simulate, { from: 'user' });
  const s = resolveScenario(scenarioFromOptions(replay.opts() as Record<string, unknown>, catalog), catalog);
  const r = exportScenario(s, String(opts.export), opts.launcher as string | undefined);
  if (typeof opts.exportDir === 'string') writeExport(opts.exportDir, r.files);
  return r;
}

function planRequest(opts: Record<string, unknown>, catalog: PresetCatalog): PlanRequest {
  const gpus = opts.gpus === undefined ? undefined : parseRange(String(opts.gpus), '--gpus', { integer: true, bound: BOUNDS.gpus });
  const gbs = opts.gbs === undefined ? undefined : parseRange(String(opts.gbs), '--gbs', { integer: true, bound: BOUNDS.gbs });
  const systems = opts.system === undefined ? undefined : String(opts.system).split(',').map((s) => s.trim());
  if (systems?.some((s) => s === '')) throw invalid('--system', `"${String(opts.system)}" has an empty item; write a list like dgx-h100,dgx-b200`);
  const maxGpus = opts.maxGpus === undefined ? undefined : numberFlag(opts.maxGpus, '--max-gpus', { min: 1, max: BOUNDS.gpus.max, integer: true, unit: 'GPUs' });
  const maxMemoryFraction = numberFlag(opts.maxMemoryFraction, '--max-memory-fraction', { min: 0, max: 1, exclusiveMin: true });
  const input = scenarioFromOptions({ ...opts, gpus: gpus?.[0], gbs: gbs?.[0], system: systems?.[0] }, withoutDefaultSplit(catalog));
  // --max-gpus alone searches GPU counts up to it rather than the default scenario's count.
  if (maxGpus !== undefined && gpus === undefined) delete input.gpus;
  return {
    input,
    systems,
    gpus,
    gbs,
    maxGpus,
    objective: parseObjective(String(opts.objective)),
    maxMemoryFraction,
    top: numberFlag(opts.top, '--top', { min: 1, max: 1e9, integer: true, unit: 'plans' }),
    // Each re-check is an event simulation (up to milliseconds at scale).
    recheck: numberFlag(opts.recheck, '--recheck', { min: 1, max: 10_000, integer: true, unit: 'configurations' }),
    allVariants: opts.allVariants === true,
  };
}

/** Inline systems or models (from --config) cannot be flags: the replay reads the same file. */
function replayPrefix(opts: Record<string, unknown>, req: PlanRequest): string[] {
  const inline = typeof req.input.system === 'object' || typeof req.input.model === 'object';
  if (inline && typeof opts.config === 'string') return ['--config', opts.config];
  return [];
}

function progressBar(): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      format: 'searching |{bar}| {percentage}% | {value}/{total} configurations | {duration_formatted}',
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
}

const splitText = (p: Plan): string =>
  `TP ${p.tp} · PP ${p.pp} · DP ${p.dp} · CP ${p.cp}${p.ep > 1 ? ` · EP ${p.ep}` : ''} · VP ${p.vp} · mbs ${p.mbs} · ZeRO ${p.zero} · ${p.recompute} · SP ${p.sp ? 'on' : 'off'}`;

/** A plan's step time, marked when it comes from the closed form rather than the event simulation. */
const stepText = (p: Plan): string => `${p.method === 'closed-form' ? '~' : ''}${formatDuration(p.stepTimeSeconds)}`;

/** The human-readable report. */
export function renderPlan(r: PlanReport & { plans: Array<Plan & Partial<PredictionIntervals>> }, threads: number, seconds: number, accuracy: readonly string[] = []): string {
  const out: string[] = [];
  const multi = r.points.length > 1;
  const first = r.plans[0];
  const where = multi
    ? `${[...new Set(r.points.map((p) => p.system))].join(', ')} · ${[...new Set(r.points.map((p) => int(p.gpus)))].join(', ')} GPUs`
    : `${int(first.gpus)} GPUs of ${first.system}`;
  const ranks = r.objective === 'tokens-per-dollar' ? 'tokens per dollar' : `failure-free ${r.objective === 'time' ? 'time to train' : 'cost'}`;
  out.push(`${heading(`Plans for ${r.model} on ${where}`)} (objective: ${r.objective}, ranked by ${ranks})`);
  out.push(
    `  sequence ${int(first.seq)}, batch ${[...new Set(r.points.map((p) => int(p.gbs)))].join(', ')} sequences; searched ${int(r.considered)} configurations in ${formatDuration(seconds)} on ${threads} thread${threads > 1 ? 's' : ''}:`,
  );
  out.push(`  ${int(r.prunedByMemory)} do not fit in ${memoryLimitText(r, first.memoryCapacityBytesPerGpu)}, ${int(r.evaluated)} estimated with the closed form`);
  out.push(
    `  (${int(r.distinctSplits)} different splits${r.variantsGrouped ? ', VP and micro-batch variants grouped' : ''}), ${int(r.rechecked)} of the best re-checked with the event simulation`,
  );
  out.push('');
  const pointCols = multi ? ['system', 'GPUs'] : [];
  const variantCol = r.variantsGrouped ? ['variants'] : [];
  const head = ['#', ...pointCols, 'TP', 'PP', 'DP', 'CP', 'EP', 'VP', 'mbs', 'ZeRO', 'recompute', 'SP', 'step time', 'MFU', 'memory/GPU', 'time to train', 'with failures', 'cost', 'with failures', ...variantCol];
  const left = new Set(['system', 'recompute', 'SP']);
  out.push(
    boxTable(
      head,
      r.plans.map((p, i) => [
        String(i + 1),
        ...(multi ? [p.system, int(p.gpus)] : []),
        ...[p.tp, p.pp, p.dp, p.cp, p.ep, p.vp, p.mbs, p.zero].map(String),
        p.recompute,
        p.sp ? 'on' : 'off',
        stepText(p),
        pct(p.mfu),
        formatBytes(p.peakMemoryBytesPerGpu),
        formatDuration(p.timeToTrainSeconds),
        formatDuration(p.timeToTrainWithFailuresSeconds),
        usd(p.costUsd),
        usd(p.costWithFailuresUsd),
        ...(r.variantsGrouped ? [p.variants.length > 0 ? `+${p.variants.length}` : ''] : []),
      ]),
      head.flatMap((h, i) => (left.has(h) ? [] : [i])),
    ),
  );
  out.push(`  time to train and cost: failure-free; with failures: interruptions, restarts and checkpoints counted (as simulate reports).`);
  if (r.variantsGrouped) out.push(`  variants: other VP and micro-batch choices of the same split that fit (--all-variants lists them).`);
  const estimated = r.plans.filter((p) => p.method === 'closed-form').length;
  if (estimated > 0) {
    out.push(`  ~ ${int(estimated)} plans beyond the re-checked ones are closed-form estimates, ranked by it (raise --recheck to simulate more).`);
  }
  if (multi) {
    out.push('');
    out.push(heading('Best plan at each point (* = on the time-cost Pareto front)'));
    out.push(
      boxTable(
        ['', 'system', 'GPUs', 'batch', 'split', 'step time', 'MFU', 'time to train', 'with failures', 'cost', 'with failures'],
        r.points.map((p) =>
          p.best
            ? [
                p.pareto ? pc.green('*') : '',
                p.system,
                int(p.gpus),
                int(p.gbs),
                splitText(p.best),
                formatDuration(p.best.stepTimeSeconds),
                pct(p.best.mfu),
                formatDuration(p.best.timeToTrainSeconds),
                formatDuration(p.best.timeToTrainWithFailuresSeconds),
                usd(p.best.costUsd),
                usd(p.best.costWithFailuresUsd),
              ]
            : ['', p.system, int(p.gpus), int(p.gbs), pc.dim(p.considered ? `no plan: nothing fits in ${memoryLimitText(r)}` : 'no plan: no valid split'), '', '', '', '', '', ''],
        ),
        [2, 3, 5, 6, 7, 8, 9, 10],
      ),
    );
  }
  out.push('');
  if (first.stepTimeInterval && first.timeToTrainInterval) {
    const st = first.stepTimeInterval;
    out.push(`${pc.bold(`${intervalLabel(st)}`)} of plan 1: step time ${intervalText(st, formatDuration)}; time to train ${rangeText(first.timeToTrainInterval, formatDuration)}.`);
  }
  for (const line of accuracy) out.push(`${pc.bold('Accuracy')} ${line}.`);
  out.push(`Replay the best: clustertwin simulate ${first.simulate.map(shellQuote).join(' ')}`);
  return out.join('\n');
}

/** The memory a plan may use: the fraction of HBM, and what it comes to on one GPU when the systems share a capacity. */
function memoryLimitText(r: PlanReport, capacityBytes?: number): string {
  const share = `${pct(r.maxMemoryFraction, 0)} of HBM`;
  return capacityBytes === undefined || r.points.length > 1 ? share : `${formatBytes(r.maxMemoryFraction * capacityBytes)} per GPU (${share})`;
}
