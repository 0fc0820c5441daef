/**
 * Words shared by the commands that print one scenario (simulate, reliability): the model as it was
 * run, overrides named, and where the run's token budget came from.
 */
import type { Execution } from '../config/execution-schema.js';
import type { ModelOverrides, ModelSpec } from '../config/model-schema.js';
import { formatCount } from '../units.js';
import { int } from './format.js';

const OVERRIDE_WORDS: { [K in keyof Required<ModelOverrides>]: (v: NonNullable<ModelOverrides[K]>) => string } = {
  layers: (v) => `${int(v)} layers`,
  hidden: (v) => `hidden ${v}`,
  heads: (v) => `${v} heads`,
  kvHeads: (v) => `${v} KV heads`,
  ffnHidden: (v) => `FFN ${v}`,
  ffnAct: (v) => `${v} MLP`,
  vocab: (v) => `vocabulary ${int(v)}`,
  tiedEmbeddings: (v) => (v ? 'tied embeddings' : 'untied embeddings'),
  dropout: (v) => (v ? 'dropout' : 'no dropout'),
};

/** `GPT-3 175B (overridden: 48 layers, hidden 6144, 64 heads)`: a reshaped preset is not the published model. */
export function modelTitle(m: ModelSpec): string {
  const name = m.description ?? m.name;
  const o = m.overrides;
  if (!o) return name;
  const words = (Object.keys(OVERRIDE_WORDS) as Array<keyof ModelOverrides>)
    .filter((k) => o[k] !== undefined)
    .map((k) => (OVERRIDE_WORDS[k] as (v: unknown) => string)(o[k]));
  return `${name} (overridden: ${words.join(', ')})`;
}

/**
 * `15.6T tokens (the model's published training tokens; set --tokens)`. `givenBy` names what gave
 * the tokens when the scenario did (the flag, or the config file).
 */
export function runTokensText(e: Execution, givenBy: string): string {
  const why =
    e.tokensSource === 'given'
      ? `set by ${givenBy}`
      : e.tokensSource === 'model preset'
        ? "the model's published training tokens; set --tokens"
        : "20 a parameter, Chinchilla's rule: the model states no training tokens; set --tokens";
  return `${formatCount(e.tokens)} tokens (${why})`;
}

/** What gave a scenario's tokens, for `runTokensText`: the flag when set, else the config file. */
export const tokensGivenBy = (opts: Record<string, unknown>): string => (opts.tokens !== undefined ? '--tokens' : typeof opts.config === 'string' ? opts.config : 'the scenario');
