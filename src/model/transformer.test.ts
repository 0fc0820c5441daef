import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveModel } from '../config/catalog.js';
import { forwardFlopsPerSequence, totalParams, trainingFlopsPerSequence } from './transformer.js';

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
