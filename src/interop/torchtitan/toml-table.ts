/**
 * A torchtitan job TOML as a flat map of `section.key` to value, with typed reads that name the key
 * when a value is of the wrong kind, and a record of which keys were read.
 */
import { parse, TomlError } from 'smol-toml';
import { ClusterTwinError } from '../../errors.js';
import type { FrameworkOption } from '../framework-target.js';
import { torchtitanOption } from './options.js';

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** Parses TOML text; a syntax error names the file and line. */
export function parseToml(text: string, sourceName: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) throw new ClusterTwinError('config_file', sourceName, `not valid TOML: line ${e.line}, column ${e.column}: ${e.message.split('\n')[0]}`);
    throw e;
  }
}

/** Leaves of nested tables, keyed by their dotted path (arrays are leaves). */
export function flattenTable(table: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(table)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isTable(v)) for (const [kk, vv] of flattenTable(v, key)) out.set(kk, vv);
    else out.set(key, v);
  }
  return out;
}

/** Typed reads of a flat job table, remembering what was read. */
export class JobTable {
  readonly read = new Set<string>();
  constructor(readonly values: Map<string, unknown>) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  private raw(key: string): unknown {
    this.read.add(key);
    return this.values.get(key);
  }

  int(key: string, fallback: number): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    const o = torchtitanOption(key);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ClusterTwinError('invalid_value', key, `expected a whole number, got ${JSON.stringify(v)}`);
    checkBounds(key, v, o);
    return v;
  }

  optionalInt(key: string): number | undefined {
    return this.values.get(key) === undefined ? (this.read.add(key), undefined) : this.int(key, 0);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new ClusterTwinError('invalid_value', key, `expected true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A string; where the option lists choices, one of them. */
  str(key: string, fallback: string): string;
  str(key: string, fallback: undefined): string | undefined;
  str(key: string, fallback: string | undefined): string | undefined {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    // selective_ac_option is a string in JobConfig but the TOML files may write it as a number.
    if (typeof v === 'number' && key === 'activation_checkpoint.selective_ac_option') return String(v);
    if (typeof v !== 'string') throw new ClusterTwinError('invalid_value', key, `expected a string, got ${JSON.stringify(v)}`);
    const o = torchtitanOption(key);
    if (o?.type === 'choice' && o.choices && !o.choices.includes(v)) throw new ClusterTwinError('invalid_value', key, `"${v}" is not one of ${o.choices.join(', ')}`);
    return v;
  }

  /** A list of strings (TOML array, or a comma-separated string as torchtitan's command line takes). */
  list(key: string, fallback: string[]): string[] {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v === 'string') return v.split(',').map((x) => x.trim()).filter(Boolean);
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ClusterTwinError('invalid_value', key, 'expected a list of strings');
    return v as string[];
  }

  /** The value as it is, marked read. */
  any(key: string): unknown {
    return this.raw(key);
  }
}

function checkBounds(key: string, v: number, o: FrameworkOption | undefined): void {
  if (o?.min !== undefined && v < o.min) throw new ClusterTwinError('out_of_range', key, `${v} is below ${o.min}`);
  if (o?.max !== undefined && v > o.max) throw new ClusterTwinError('out_of_range', key, `${v} is above ${o.max}`);
}
