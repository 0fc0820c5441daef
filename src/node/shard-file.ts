/**
 * The partial result one shard writes (`sweep --shard K/N`, `plan --shard K/N`) and `merge` reads:
 * a JSON object with what the merge needs to print the report one process would have printed,
 * and the fingerprint of its inputs so that shards of different scenarios, presets or clustertwin
 * versions are never joined.
 *
 * The fingerprint is the SHA-256 of the canonical JSON (keys sorted) of the command, the
 * clustertwin version, the inputs that decide the result (the plan request, or the sweep's base
 * scenario and axes) and the whole preset catalog. Output options (--json, --format, --out,
 * --threads) are not in it: they change how a result is printed or how fast it comes, not what it is.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { PresetCatalog } from '../config/catalog.js';
import { ClusterTwinError } from '../errors.js';
import { MAX_SHARDS, type Shard } from '../planner/shard.js';
import type { PlanRequest, TaskResult } from '../planner/plan.js';
import { packageRoot } from './presets.js';

/** What the `format` field of every shard file says. */
export const SHARD_FORMAT = 'clustertwin-shard';
/** The layout of shard files; a merge reads only its own. */
export const SHARD_FORMAT_VERSION = 1;

export type ShardKind = 'plan' | 'sweep';

interface ShardHeader {
  format: typeof SHARD_FORMAT;
  formatVersion: number;
  kind: ShardKind;
  /** The clustertwin version that wrote it. */
  clustertwin: string;
  fingerprint: string;
  shard: Shard;
  /** Items in the whole space (sweep: rows; plan: groups of splits), dealt round-robin to the shards. */
  items: number;
  /** The output the shard's command was asked for; `merge` prints it unless told otherwise. */
  output: string;
  /** How the shard's search ran. */
  search: { threads: number; seconds: number };
}

export interface PlanShardFile extends ShardHeader {
  kind: 'plan';
  output: 'table' | 'json';
  request: PlanRequest;
  /** Arguments before each plan's replay arguments (`--config FILE` for inline systems or models). */
  replayPrefix: string[];
  /** Tasks in the whole setup: each result's `task` is below it. */
  tasks: number;
  /** One per task: the counts of this shard's splits and their best families (all that can reach the top). */
  results: TaskResult[];
}

/** One sweep row: its place in the whole sweep, its CSV line and its JSON-lines object. */
export interface SweepShardRow {
  index: number;
  csv: string;
  row: Record<string, unknown>;
}

export interface SweepShardFile extends ShardHeader {
  kind: 'sweep';
  output: 'csv' | 'jsonl';
  /** The inputs, as fingerprinted (the base scenario, the axes, and whether rows are planned). */
  inputs: unknown;
  /** The CSV header line. */
  header: string;
  rows: SweepShardRow[];
}

export type ShardFile = PlanShardFile | SweepShardFile;

let version: string | undefined;

/** The version in the package's package.json (what `clustertwin --version` prints). */
export function clustertwinVersion(): string {
  version ??= String((JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  return version;
}

/** Non-finite numbers, which JSON has no word for, as a tagged object; restored on reading. */
const NON_FINITE = '$nonFinite';

/** JSON with object keys sorted at every level: the same text for the same value, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify({ [NON_FINITE]: String(value) });
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const catalogHashes = new WeakMap<PresetCatalog, string>();

/** The fingerprint of a sharded command's inputs (see the top of this file). */
export function shardFingerprint(kind: ShardKind, inputs: unknown, catalog: PresetCatalog): string {
  let presets = catalogHashes.get(catalog);
  if (presets === undefined) catalogHashes.set(catalog, (presets = sha256(canonicalJson(catalog))));
  return sha256(canonicalJson({ kind, clustertwin: clustertwinVersion(), inputs, presets }));
}

/** A shard file's text: JSON, non-finite numbers tagged so that they read back as they were. */
export function shardFileText(file: ShardFile): string {
  const text = JSON.stringify(file, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v));
  return `${text}\n`;
}

const reviveNonFinite = (_k: string, v: unknown): unknown => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === NON_FINITE) return Number((v as Record<string, string>)[NON_FINITE]);
  }
  return v;
};

const HeaderSchema = z.object({
  format: z.literal(SHARD_FORMAT),
  formatVersion: z.number(),
  kind: z.enum(['plan', 'sweep']),
  clustertwin: z.string(),
  fingerprint: z.string(),
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1).max(MAX_SHARDS) }).refine((s) => s.index <= s.count, 'K above N'),
  items: z.number().int().min(0),
  output: z.string(),
  search: z.object({ threads: z.number(), seconds: z.number() }),
});

const PlanBodySchema = z.object({
  output: z.enum(['table', 'json']),
  request: z.object({ input: z.record(z.string(), z.unknown()) }).loose(),
  replayPrefix: z.array(z.string()),
  tasks: z.number().int().min(0),
  results: z.array(z.object({ task: z.number().int().min(0), counts: z.record(z.string(), z.number()), best: z.array(z.unknown()) }).loose()),
});

const SweepBodySchema = z.object({
  output: z.enum(['csv', 'jsonl']),
  inputs: z.unknown(),
  header: z.string(),
  rows: z.array(z.object({ index: z.number().int().min(0), csv: z.string(), row: z.record(z.string(), z.unknown()) })),
});

const notShard = (file: string, why: string): ClusterTwinError => new ClusterTwinError('config_file', file, `not a shard file of this clustertwin (${why}); write one with sweep or plan --shard K/N --out FILE`);

/** Reads and checks one shard file; a file that is not one is a one-line error naming it. */
export function readShardFile(file: string): ShardFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ClusterTwinError('config_file', file, `cannot read it (${code})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text, reviveNonFinite);
  } catch {
    throw notShard(file, 'not JSON');
  }
  const head = HeaderSchema.safeParse(value);
  if (!head.success) {
    const issue = head.error.issues[0];
    throw notShard(file, `${issue.path.join('.') || 'the file'}: ${issue.message}`);
  }
  if (head.data.formatVersion !== SHARD_FORMAT_VERSION) {
    throw new ClusterTwinError('config_file', file, `shard file layout ${head.data.formatVersion} (clustertwin ${head.data.clustertwin}); this clustertwin ${clustertwinVersion()} reads layout ${SHARD_FORMAT_VERSION}`);
  }
  const body = (head.data.kind === 'plan' ? PlanBodySchema : SweepBodySchema).safeParse(value);
  if (!body.success) {
    const issue = body.error.issues[0];
    throw notShard(file, `${issue.path.join('.')}: ${issue.message}`);
  }
  return value as ShardFile;
}
