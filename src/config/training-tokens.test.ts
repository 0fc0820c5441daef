import { describe, expect, it } from 'vitest';
import { catalog, scenario } from '../../test/support/catalog.js';
import { totalParams } from '../model/transformer.js';
import { CHINCHILLA_TOKENS_PER_PARAM } from './training-tokens.js';

const base = { system: 'dgx-h100', gpus: 64, tp: 8, pp: 1, gbs: 64 } as const;

describe('the default token budget of a run', () => {
  it.each([
    ['gpt3-175b', 300e9],
    ['opt-175b', 180e9],
    ['bloom-176b', 366e9],
    ['mpt-7b', 1e12],
    ['mt-nlg-530b', 270e9],
    ['llama3-8b', 15e12],
    ['llama3-70b', 15e12],
    ['llama3-405b', 15.6e12],
  ])('is the published training tokens of %s', (model, tokens) => {
    const s = scenario({ ...base, model });
    expect(s.exec.tokens).toBe(tokens);
    expect(s.exec.tokensSource).toBe('model preset');
  });
  it('is 20 tokens a parameter where the preset states none', () => {
    const s = scenario({ ...base, model: 'megatron-1t', pp: 8 });
    expect(catalog.models['megatron-1t']).not.toHaveProperty('trainingTokens');
    expect(s.exec.tokensSource).toBe('chinchilla 20/param');
    expect(s.exec.tokens).toBe(CHINCHILLA_TOKENS_PER_PARAM * totalParams(s.model));
  });
  it('is what the scenario gives, when it gives one', () => {
    const s = scenario({ ...base, model: 'llama3-8b', tokens: 1e9 });
    expect(s.exec).toMatchObject({ tokens: 1e9, tokensSource: 'given' });
  });
  it('stops being the published figure once an override changes the parameter count', () => {
    const reshaped = scenario({ ...base, model: 'gpt3-175b', layers: 48, hidden: 6144, heads: 64 });
    expect(reshaped.model.trainingTokens).toBeUndefined();
    expect(reshaped.exec.tokensSource).toBe('chinchilla 20/param');
    // Dropout changes no parameter: still GPT-3's 300B.
    const noDropout = scenario({ ...base, model: 'gpt3-175b', pp: 8, dropout: false });
    expect(noDropout.exec).toMatchObject({ tokens: 300e9, tokensSource: 'model preset' });
  });
});
