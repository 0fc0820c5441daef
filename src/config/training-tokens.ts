/**
 * The token budget of a run when the scenario gives none: the model's published training tokens
 * where its preset states them, else Chinchilla's compute-optimal rule of about 20 tokens a
 * parameter (Hoffmann et al. 2022). The result says which, so output never passes a default off
 * as the user's choice.
 */
import type { ModelSpec } from './model-schema.js';
import { totalParams } from '../model/transformer.js';

/** Where a run's token budget came from. */
export const TOKENS_SOURCES = ['given', 'model preset', 'chinchilla 20/param'] as const;
export type TokensSource = (typeof TOKENS_SOURCES)[number];

/** Chinchilla's compute-optimal tokens per parameter (Hoffmann et al. 2022, Table 3: about 20). */
export const CHINCHILLA_TOKENS_PER_PARAM = 20;

export function runTokens(given: number | undefined, model: ModelSpec): { tokens: number; tokensSource: TokensSource } {
  if (given !== undefined) return { tokens: given, tokensSource: 'given' };
  if (model.trainingTokens !== undefined) return { tokens: model.trainingTokens, tokensSource: 'model preset' };
  // Every parameter counts, experts included: the rule was fitted on dense models, and a MoE's total is what it stores.
  return { tokens: CHINCHILLA_TOKENS_PER_PARAM * totalParams(model), tokensSource: 'chinchilla 20/param' };
}
