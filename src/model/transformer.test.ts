import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveModel } from '../config/catalog.js';
import { activeParamsPerToken, attentionParams, forwardFlopsPerSequence, mlaAttentionParams, totalParams, trainingFlopsPerSequence } from './transformer.js';

const model = (name: string) => resolveModel(catalog, name);

describe('parameter counts', () => {
  it('GPT-3 175B matches Narayanan et al. (174.6B with vocab 51,200)', () => {
    const m = model('gpt3-175b');
    // Narayanan et al. 2021: P = 12 l h^2 (1 + 13/(12h) + (V + s)/(12 l h)).
    const { layers: l, hidden: h, vocab: V } = m;
    const paper = 12 * l * h * h * (1 + 13 / (12 * h) + (V + 2048) / (12 * l * h));
    expect(totalParams(m) / paper).toBeCloseTo(1, 3);
    expect(totalParams(m) / 1e9).toBeCloseTo(174.6, 0);
  });
  it.each([
    ['llama3-8b', 8.03],
    ['llama3-70b', 70.6],
    ['llama3-405b', 405.9],
    ['bloom-176b', 176.2],
    ['mixtral-8x7b', 46.7],
  ])('%s has about %fB parameters', (name, billions) => {
    expect(totalParams(model(name)) / 1e9).toBeCloseTo(billions, 0);
  });
});

describe('DeepSeek-R1 (multi-head latent attention, shared experts, three dense layers)', () => {
  const m = model('deepseek-r1');
  // DeepSeek-V3 Technical Report: 671B total, 37B activated per token; README_WEIGHTS.md: 671B main
  // model, 36.6B activated including the 0.9B output head (the 11.5B MTP module not counted).
  it('has 671B parameters and 36.6B activated per token (37B rounded), as published', () => {
    expect(totalParams(m) / 1e9).toBeCloseTo(671, 0);
    expect(activeParamsPerToken(m) / 1e9).toBeCloseTo(36.6, 1);
    expect(Math.round(activeParamsPerToken(m) / 1e9)).toBe(37);
  });
  it("counts MLA's projections from the shape: W_DQ, W_DKV with the rope key, W_UQ, W_UK/W_UV, W_O and two latent norms", () => {
    const h = 7168;
    const replicated = h * 1536 + h * (512 + 64) + 1536 + 512;
    const split = 1536 * 128 * (128 + 64) + 512 * 128 * (128 + 128) + 128 * 128 * h;
    expect(mlaAttentionParams(m, m.mla!)).toEqual({ replicated, split });
    expect(attentionParams(m)).toBe(replicated + split);
    // Far fewer than the MHA of the same heads at 128 dimensions (4 h x 128 x 128 = 470M).
    expect(attentionParams(m)).toBeLessThan(0.5 * 4 * h * 128 * 128);
  });
  it('counts a forward FLOP for every active weight (2 a parameter) plus attention and logits', () => {
    // One token: two FLOPs per active weight but the norms' (two a layer, MLA's two latent norms,
    // the final one), and its attention to itself over 192-wide scores and 128-wide values.
    const norms = m.layers * (2 * m.hidden + 1536 + 512) + m.hidden;
    const attention = m.layers * 2 * m.heads * (192 + 128);
    expect(forwardFlopsPerSequence(m, 1) / (2 * (activeParamsPerToken(m) - norms) + attention)).toBeCloseTo(1, 12);
  });
});

describe('model FLOPs', () => {
  it('equal the Megatron-LM formula 72 B s l h^2 (1 + s/6h + V/12lh) for a GPT', () => {
    const m = model('gpt3-175b');
    const s = 2048;
    const { layers: l, hidden: h, vocab: V } = m;
    const formula = 72 * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
    expect(trainingFlopsPerSequence(m, s) / formula).toBeCloseTo(1, 9);
  });
  it('count only the routed experts of an MoE layer', () => {
    const moe = model('mixtral-8x7b');
    const dense = { ...moe, moe: undefined };
    const perSeq = forwardFlopsPerSequence(moe, 4096);
    // Two experts active instead of one dense MLP: more than dense, far less than all eight.
    expect(perSeq).toBeGreaterThan(forwardFlopsPerSequence(dense, 4096));
    expect(perSeq).toBeLessThan(3 * forwardFlopsPerSequence(dense, 4096));
  });
});
