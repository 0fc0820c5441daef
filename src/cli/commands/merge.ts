/**
 * `clustertwin merge`: joins the shard files of one `sweep --shard K/N` or `plan --shard K/N`
 * run into the report one process would have printed. Thin: read and check the shards, put
 * the rows back in order (sweep) or finish the search with the planner's own merge and
 * re-check (plan), print with the commands' own printers.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { PresetCatalog } from '../../config/catalog.js';
import { invalid } from '../../errors.js';
import { loadPresets } from '../../node/presets.js';
import { checkOutputFile, writeOutputFile } from '../../node/output-file.js';
import { clustertwinVersion, readShardFile, shardFingerprint, type PlanShardFile, type ShardFile, type SweepShardFile } from '../../node/shard-file.js';
import { finishPlan, preparePlan } from '../../planner/plan.js';
import { inShard, planItems, shardItems } from '../../planner/shard.js';
import { planOutput, planShardInputs } from './plan.js';

/** The field errors about the set of files name (one line: `error: shard files: ...`). */
const SET = 'shard files';

/** Outputs each kind of shard merges to. */
const OUTPUTS = { plan: ['table', 'json'], sweep: ['csv', 'jsonl'] } as const;

export function mergeCommand(): Command<any, any> {
  const cmd = new Command('merge')
    .description('join the shard files of a sweep or plan run with --shard K/N into the report one process would have printed')
    .argument('<files...>', 'the shard files (every K of 1..N once, in any order)')
    .addHelpText(
      'after',
      `
Each shard of a big sweep or plan runs where it can (a Slurm array task, a
Kubernetes Indexed Job pod) and writes its part with --shard K/N --out FILE;
merge reads all N files and prints what the same command without --shard
prints: the same CSV or JSON lines (sweep), the same table or JSON (plan).
Only the plan's line "searched ... in TIME on THREADS" (--json: "search")
says how the search ran: the slowest shard's time plus the merge's, on all
shards' threads together.

It prints what the shards were asked for (--json, --format) unless told
otherwise here. It refuses shards of different commands, scenarios, presets
or clustertwin versions, a shard given twice and a missing shard (naming it).
A plan is finished here (its best splits re-checked with the event
simulation), so merge with the clustertwin and presets the shards used.

Examples:
  clustertwin merge shard-*.json
  clustertwin merge shard-*.json --json --out plan.json
  clustertwin merge sweep-1.json sweep-2.json sweep-3.json --format jsonl`,
    )
    .addOption(new Option('--format <format>', 'output: table or json (plan), csv or jsonl (sweep); default: what the shards were asked for').choices(['table', 'json', 'csv', 'jsonl']))
    .option('--json', 'JSON: one object (plan) or JSON lines (sweep)')
    .option('--out <file>', 'write to a file (whole, or not at all) instead of standard output');
  return cmd.action(async (files: string[], raw) => {
    const opts = raw as Record<string, unknown>;
    const started = performance.now();
    const out = typeof opts.out === 'string' ? opts.out : undefined;
    if (out !== undefined) checkOutputFile(out);
    const shards = files.map((f) => ({ file: f, data: readShardFile(f) }));
    checkShardSet(shards);
    const output = mergedOutput(shards, opts);
    const text =
      shards[0].data.kind === 'sweep'
        ? mergeSweep(shards as Array<Named<SweepShardFile>>, output as 'csv' | 'jsonl')
        : mergePlan(shards as Array<Named<PlanShardFile>>, output === 'json', loadPresets(), started);
    if (out !== undefined) writeOutputFile(out, text);
    else process.stdout.write(text);
  });
}

interface Named<T extends ShardFile = ShardFile> {
  file: string;
  data: T;
}

const shardName = (s: Named): string => `${s.data.shard.index}/${s.data.shard.count}`;

/** Lists at most a few numbers, saying how many more. */
function few(ns: readonly number[], limit = 8): string {
  const shown = ns.slice(0, limit).join(', ');
  return ns.length > limit ? `${shown} and ${(ns.length - limit).toLocaleString('en-US')} more` : shown;
}

/** Shards of one run, each once, none missing; each file whole. Throws a one-line error naming what is wrong. */
export function checkShardSet(shards: ReadonlyArray<Named>): void {
  const [first] = shards;
  for (const s of shards) {
    const d = s.data;
    if (d.kind !== first.data.kind) throw invalid(SET, `${first.file} is a ${first.data.kind} shard and ${s.file} a ${d.kind} shard: merge the shards of one run`);
    if (d.clustertwin !== first.data.clustertwin) throw invalid(SET, `${first.file} was written by clustertwin ${first.data.clustertwin} and ${s.file} by ${d.clustertwin}: run every shard with one version`);
    if (d.fingerprint !== first.data.fingerprint) throw invalid(SET, `${s.file} is a shard of a different ${d.kind} than ${first.file} (their scenarios, flags or presets differ): merge the shards of one run`);
    if (d.shard.count !== first.data.shard.count) throw invalid(SET, `${first.file} is shard ${shardName(first)} and ${s.file} shard ${shardName(s)}: give the shards of one --shard K/N run, with one N`);
  }
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const seen = byIndex.get(s.data.shard.index);
    if (seen !== undefined) throw invalid(SET, `${seen} and ${s.file} are both shard ${shardName(s)}: give each shard once`);
    byIndex.set(s.data.shard.index, s.file);
  }
  const n = first.data.shard.count;
  const missing: number[] = [];
  for (let k = 1; k <= n && missing.length <= 8; k++) if (!byIndex.has(k)) missing.push(k);
  if (missing.length > 0) {
    const count = n - byIndex.size;
    throw invalid(SET, `${count === 1 ? `shard ${missing[0]}/${n} is` : `${count.toLocaleString('en-US')} shards of ${n} are`} missing${count === 1 ? '' : ` (K = ${few(missing)})`}: give all ${n} shard files`);
  }
  // The merge finishes with its own engine and presets: they must be the shards'.
  if (first.data.clustertwin !== clustertwinVersion()) {
    throw invalid(SET, `the shards were written by clustertwin ${first.data.clustertwin}; this is ${clustertwinVersion()}: merge with the version that wrote them`);
  }
  for (const s of shards) checkWhole(s);
}

/** A shard holds exactly its slice: rows (sweep) or task results (plan) for its own items. */
function checkWhole(s: Named): void {
  const d = s.data;
  const broken = (why: string): Error => invalid(SET, `${s.file} (shard ${shardName(s)}) is not whole: ${why}`);
  if (d.kind === 'sweep') {
    const expected = shardItems(d.items, d.shard);
    if (d.rows.length !== expected) throw broken(`it holds ${d.rows.length} rows of its ${expected}`);
    d.rows.forEach((r, i) => {
      if (!inShard(r.index, d.shard) || r.index >= d.items || (i > 0 && r.index <= d.rows[i - 1].index)) throw broken(`row ${r.index} is not one of its rows in order`);
    });
  } else {
    if (d.results.length !== d.tasks || d.results.some((r, i) => r.task !== i)) throw broken(`it holds results for ${d.results.length} tasks of ${d.tasks}`);
  }
}

/** The output to print: the flag's, else the one every shard was asked for. */
function mergedOutput(shards: ReadonlyArray<Named>, opts: Record<string, unknown>): string {
  const kind = shards[0].data.kind;
  const allowed: readonly string[] = OUTPUTS[kind];
  if (typeof opts.format === 'string') {
    if (!allowed.includes(opts.format)) throw invalid('--format', `a ${kind} merges to ${allowed.join(' or ')}, not ${opts.format}`);
    if (opts.json && opts.format !== allowed[1]) throw invalid('--format', `--json asks for ${allowed[1]}, --format for ${opts.format}: give one`);
    return opts.format;
  }
  if (opts.json) return allowed[1];
  const asked = [...new Set(shards.map((s) => s.data.output))];
  if (asked.length > 1) throw invalid('--format', `the shards were asked for different outputs (${asked.join(', ')}): give --format ${allowed.join(' or ')}`);
  return asked[0];
}

/** The sweep's rows back in their order, printed as the sweep prints them. */
function mergeSweep(shards: ReadonlyArray<Named<SweepShardFile>>, output: 'csv' | 'jsonl'): string {
  const rows = shards.flatMap((s) => s.data.rows).sort((a, b) => a.index - b.index);
  const lines = output === 'csv' ? [shards[0].data.header, ...rows.map((r) => r.csv)] : rows.map((r) => JSON.stringify(r.row));
  const catalog = loadPresets();
  checkFingerprint(shards[0], shards[0].data.inputs, catalog);
  return `${lines.join('\n')}\n`;
}

/** The plan: the planner's own merge of every shard's task results, its re-check and ranking, printed as plan prints it. */
function mergePlan(shards: ReadonlyArray<Named<PlanShardFile>>, json: boolean, catalog: PresetCatalog, started: number): string {
  const { request, replayPrefix } = shards[0].data;
  checkFingerprint(shards[0], planShardInputs(request, replayPrefix), catalog);
  const setup = preparePlan(request, catalog);
  if (setup.tasks.length !== shards[0].data.tasks || planItems(setup) !== shards[0].data.items) {
    throw invalid(SET, `${shards[0].file}: this clustertwin cuts the space into other tasks than the one that wrote it: merge with that version`);
  }
  const results = shards.flatMap((s) => s.data.results);
  const report = finishPlan(setup, results, catalog, { replayPrefix });
  // As one process would say it: all the threads that searched, for as long as the slowest shard took, and the finish here.
  const threads = shards.reduce((n, s) => n + s.data.search.threads, 0);
  const seconds = Math.max(...shards.map((s) => s.data.search.seconds)) + (performance.now() - started) / 1000;
  return planOutput(report, threads, seconds, request, catalog, json);
}

/** The shards' inputs, fingerprinted with this clustertwin's presets, must give the shards' fingerprint. */
function checkFingerprint(s: Named, inputs: unknown, catalog: PresetCatalog): void {
  if (shardFingerprint(s.data.kind, inputs, catalog) !== s.data.fingerprint) {
    throw invalid(SET, `${s.file}: the shards were computed with other presets than this clustertwin's (or the file was edited): merge where the shards ran`);
  }
}
