/**
 * `clustertwin sweep`: a what-if over any scenario, system or model field,
 * one row per combination, as CSV or JSON lines. Thin: parse, call the
 * engine (or the planner, with --plan) for each row, print.
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { ClusterTwinError } from '../../errors.js';
import { evaluateScenario, resolveScenario, type SimulationResult } from '../../engine.js';
import type { PresetCatalog } from '../../config/catalog.js';
import type { ScenarioInputParsed } from '../../config/scenario-input.js';
import { loadPresets } from '../../node/presets.js';
import { checkOutputFile, writeOutputFile } from '../../node/output-file.js';
import { numberFlag } from '../flag-values.js';
import { MAX_THREADS } from './plan.js';
import { planOnThreads } from '../../node/planner-pool.js';
import { OBJECTIVES, parseObjective } from '../../planner/objectives.js';
import { PLAN_DEFAULTS } from '../../planner/plan.js';
import { SPLIT_KEYS } from '../../planner/space.js';
import { checkSweep, csvCell, csvHeader, csvLine, parseSweepAxis, sweepBase, sweepCombos, sweepInput, sweepRecord, sweepSize, type SweepAxis, type SweepValue } from '../../planner/sweep.js';
import { inShard, parseShard, shardItems, type Shard } from '../../planner/shard.js';
import { SHARD_FORMAT, SHARD_FORMAT_VERSION, clustertwinVersion, shardFileText, shardFingerprint, type SweepShardFile, type SweepShardRow } from '../../node/shard-file.js';
import { addScenarioOptions, readConfigFile, scenarioFromOptions, FLAG_OF_KEY } from '../scenario-options.js';
import type { PredictionIntervals } from '../../validation/interval.js';
import { resultIntervals } from './simulate.js';

/** The 80% interval's columns of a CSV row, after the figures (JSON lines carry the two interval objects instead). */
const INTERVAL_COLUMNS = ['stepTimeLowSeconds', 'stepTimeHighSeconds', 'timeToTrainLowSeconds', 'timeToTrainHighSeconds', 'intervalRuns', 'intervalBasis'];

function intervalCells(i: PredictionIntervals | null): string {
  const cells = i ? [i.stepTimeInterval.low, i.stepTimeInterval.high, i.timeToTrainInterval.low, i.timeToTrainInterval.high, i.stepTimeInterval.runs, i.stepTimeInterval.basis] : INTERVAL_COLUMNS.map(() => null);
  return cells.map(csvCell).join(',');
}

export function sweepCommand(): Command<any, any> {
  const cmd = new Command('sweep')
    .description('a what-if over any scenario, system or model field: one row per combination, as CSV or JSON lines')
    .addHelpText(
      'after',
      `
--set FIELD=VALUES (repeatable) varies one field; rows are every combination.
FIELD is a scenario field (gbs, seq, gpus, system, model, tp, recompute, ...),
a system field (node.nicGbps, fabric.oversubscription, gpu, gpu.hbmGiB,
pricing.usdPerGpuHour, or with a system. prefix) or a model field
(model.layers, ...). VALUES is a comma list, a range (512..4096 doubles,
256..1024:256 steps), or a |-separated list when a value holds commas
(overlap=tp,dp|dp,pp). The other flags set the scenario every row starts from.

Each row has the varied fields, the split, and the figures of simulate
(step time, MFU, memory, time to train, cost) with their 80% interval (as
simulate states it: stepTimeInterval and timeToTrainInterval in JSON lines;
stepTimeLowSeconds ... intervalBasis columns in CSV); a row the engine refuses
(e.g. a TP that does not divide the heads) has an error instead. When a sweep
varies the machine or the model, splits not given as flags are chosen per
row; --plan chooses each row's split with the planner.

--shard K/N (K from 1) computes rows K, K+N, K+2N, ... (counting from 1) and
writes them as a shard file (to --out); once all N have run, clustertwin merge
prints the same CSV or JSON lines as one sweep (docs/interop/sharding.md).

Examples:
  clustertwin sweep --system dgx-h100 --model llama3-70b --gpus 1024 --tp 8 --pp 4 --set node.nicGbps=100,200,400,800
  clustertwin sweep --model llama3-70b --gpus 512 --set system=dgx-a100-80g,dgx-h100,dgx-b200 --plan --json
  clustertwin sweep --set gbs=768..3072 --set fabric.oversubscription=1,2,4 --out what-if.csv
  clustertwin sweep --set gbs=768..3072 --set fabric.oversubscription=1,2,4 --shard 2/4 --out part-2.json`,
    );
  addScenarioOptions(cmd)
    .option('--set <field=values>', 'vary a field (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('csv'))
    .option('--json', 'JSON lines (same as --format jsonl)')
    .option('--out <file>', 'write to a file (whole, or not at all) instead of standard output')
    .option('--plan', "choose each row's split with the planner")
    .addOption(new Option('--objective <goal>', 'with --plan: what to optimize').choices(OBJECTIVES).default(PLAN_DEFAULTS.objective))
    .option('--threads <n>', 'with --plan: threads to search with (default: every core)')
    .option('--shard <K/N>', 'compute only rows K, K+N, K+2N, ... (K from 1) and write them as a shard file for clustertwin merge');
  return cmd.action(async (raw) => {
    const opts = raw as Record<string, unknown>;
    const shard = opts.shard === undefined ? undefined : parseShard(String(opts.shard));
    const catalog = loadPresets();
    const axes = (opts.set as string[]).map(parseSweepAxis);
    const planRows = Boolean(opts.plan);
    const base = sweepBase(scenarioFromOptions(opts, catalog), axes, userKeys(opts), { plan: planRows });
    checkSweep(base, axes, catalog);
    const jsonl = Boolean(opts.json) || opts.format === 'jsonl';
    const threads = opts.threads === undefined ? availableParallelism() : numberFlag(opts.threads, '--threads', { min: 1, max: MAX_THREADS, integer: true, unit: 'threads' });
    const objective = parseObjective(String(opts.objective));

    const out = typeof opts.out === 'string' ? opts.out : undefined;
    if (out !== undefined) checkOutputFile(out);
    const bar = !jsonl && process.stdout.isTTY ? new cliProgress.SingleBar({ format: 'sweep |{bar}| {value}/{total} scenarios | {duration_formatted}', stream: process.stderr, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
    const planWith = planRows ? { objective, threads } : undefined;
    if (shard) {
      const text = await sweepShard(shard, { base, axes, planRows, objective, catalog, planWith, jsonl, bar });
      if (out) writeOutputFile(out, text);
      else process.stdout.write(text);
      return;
    }
    // Rows stream to a pipe; to a file or a terminal with a progress bar they wait until the end.
    const lines: string[] = [];
    const emit = (line: string): void => {
      if (out || bar) lines.push(line);
      else process.stdout.write(`${line}\n`);
    };
    bar?.start(sweepSize(axes), 0);
    try {
      if (!jsonl) emit(sweepHeader(axes));
      let done = 0;
      for (const combo of sweepCombos(axes)) {
        const line = await sweepLine(base, axes, combo, catalog, planWith);
        emit(jsonl ? JSON.stringify(line.row) : line.csv);
        bar?.update(++done);
      }
    } finally {
      bar?.stop();
    }
    if (out) writeOutputFile(out, `${lines.join('\n')}\n`);
    else if (bar) process.stdout.write(`${lines.join('\n')}\n`);
  });
}

type PlanWith = { objective: ReturnType<typeof parseObjective>; threads: number };

/** One row as its CSV line and as its JSON-lines object (the varied fields, the figures, the stated interval). */
async function sweepLine(base: ScenarioInputParsed, axes: readonly SweepAxis[], combo: readonly SweepValue[], catalog: PresetCatalog, planWith?: PlanWith): Promise<{ csv: string; row: Record<string, unknown> }> {
  const outcome = await evaluateRow(sweepInput(base, axes, combo, catalog), catalog, planWith);
  const row = sweepRecord(axes, combo, outcome);
  // The row's stated interval (validation/interval.ts), as simulate gives it; none for a refused row.
  const intervals = 'error' in outcome ? null : resultIntervals(outcome);
  return {
    csv: `${csvLine(axes, row)},${intervalCells(intervals)}`,
    row: { ...row, stepTimeInterval: intervals?.stepTimeInterval ?? null, timeToTrainInterval: intervals?.timeToTrainInterval ?? null },
  };
}

/** The CSV header of a sweep's rows. */
const sweepHeader = (axes: readonly SweepAxis[]): string => `${csvHeader(axes)},${INTERVAL_COLUMNS.join(',')}`;

/** This shard's rows (every N-th, from the K-th) as a shard file for `merge`. */
async function sweepShard(
  shard: Shard,
  a: { base: ScenarioInputParsed; axes: SweepAxis[]; planRows: boolean; objective: string; catalog: PresetCatalog; planWith?: PlanWith; jsonl: boolean; bar?: cliProgress.SingleBar },
): Promise<string> {
  const started = performance.now();
  const rows: SweepShardRow[] = [];
  a.bar?.start(shardItems(sweepSize(a.axes), shard), 0);
  try {
    let index = 0;
    for (const combo of sweepCombos(a.axes)) {
      if (inShard(index, shard)) {
        rows.push({ index, ...(await sweepLine(a.base, a.axes, combo, a.catalog, a.planWith)) });
        a.bar?.update(rows.length);
      }
      index++;
    }
  } finally {
    a.bar?.stop();
  }
  const inputs = sweepShardInputs(a.base, a.axes, a.planRows, a.objective);
  const file: SweepShardFile = {
    format: SHARD_FORMAT,
    formatVersion: SHARD_FORMAT_VERSION,
    kind: 'sweep',
    clustertwin: clustertwinVersion(),
    fingerprint: shardFingerprint('sweep', inputs, a.catalog),
    shard,
    items: sweepSize(a.axes),
    output: a.jsonl ? 'jsonl' : 'csv',
    search: { threads: a.planWith?.threads ?? 1, seconds: (performance.now() - started) / 1000 },
    inputs,
    header: sweepHeader(a.axes),
    rows,
  };
  return shardFileText(file);
}

/** What decides a sweep's rows: its fingerprinted inputs. */
const sweepShardInputs = (base: unknown, axes: unknown, plan: boolean, objective: string): unknown => ({ base, axes, plan, objective: plan ? objective : null });

/** Scenario fields the user gave (flags or the config file), which a sweep never drops. */
function userKeys(opts: Record<string, unknown>): Set<string> {
  const keys = new Set(Object.keys(FLAG_OF_KEY).filter((k) => opts[k] !== undefined));
  if (typeof opts.config === 'string') for (const k of Object.keys(readConfigFile(opts.config) as object)) keys.add(k);
  return keys;
}

/** One row: simulated as given, or (with --plan) with the planner's best split. Engine refusals become the row's error. */
async function evaluateRow(
  input: ScenarioInputParsed,
  catalog: PresetCatalog,
  planWith?: PlanWith,
): Promise<SimulationResult | { error: string }> {
  try {
    if (!planWith) return evaluateScenario(resolveScenario(input, catalog));
    const { report } = await planOnThreads({ input, objective: planWith.objective, top: 1, recheck: 4 }, catalog, { threads: planWith.threads });
    const best = report.plans[0];
    const split = Object.fromEntries(SPLIT_KEYS.map((k) => [k, best[k]]));
    return evaluateScenario(resolveScenario({ ...input, ...split }, catalog));
  } catch (err) {
    if (err instanceof ClusterTwinError) return { error: err.message };
    throw err;
  }
}
