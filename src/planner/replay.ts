/**
 * The `clustertwin simulate` arguments that reproduce a scenario, so every
 * plan and sweep row can be replayed. Every field the scenario sets becomes
 * its flag, so nothing depends on the default scenario.
 */
import { SCENARIO_KEYS, type ScenarioInputParsed } from '../config/scenario-input.js';
import { parseOverlap } from '../config/resolve.js';
import { OVERLAP_KINDS } from '../config/execution-schema.js';

const flagOf = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export interface ReplayArgs {
  args: string[];
  /** Inline (non-preset) systems or models cannot be written as flags; they need the scenario file too. */
  inline: Array<'system' | 'model'>;
}

export function simulateArgs(input: ScenarioInputParsed): ReplayArgs {
  const args: string[] = [];
  const inline: ReplayArgs['inline'] = [];
  for (const key of SCENARIO_KEYS) {
    const v = input[key as keyof ScenarioInputParsed];
    if (v === undefined) continue;
    if (key === 'system' || key === 'model') {
      if (typeof v === 'string') args.push(flagOf(key), v);
      else inline.push(key);
    } else if (typeof v === 'boolean') {
      args.push(v ? flagOf(key) : `--no-${flagOf(key).slice(2)}`);
    } else if (key === 'overlap') {
      const on = OVERLAP_KINDS.filter((k) => parseOverlap(input.overlap)[k]);
      args.push(flagOf(key), on.length ? on.join(',') : 'none');
    } else if (Array.isArray(v)) {
      args.push(flagOf(key), v.join(','));
    } else {
      args.push(flagOf(key), String(v));
    }
  }
  return { args, inline };
}

/** Quotes an argument for a POSIX shell when it needs quoting. */
export const shellQuote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
