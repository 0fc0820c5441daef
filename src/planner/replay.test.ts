import { describe, expect, it } from 'vitest';
import { parseScenarioInput } from '../config/scenario-input.js';
import { shellQuote, simulateArgs } from './replay.js';

describe('simulateArgs', () => {
  it('writes every set field as its flag', () => {
    const input = parseScenarioInput({
      system: 'dgx-h100',
      model: 'llama3-405b',
      gpus: 16384,
      kvHeads: 8,
      tp: 8,
      pp: 16,
      sp: false,
      tied: true,
      overlap: ['dp', 'tp'],
      tokens: 15.6e12,
      layersPerStage: [7, 8, 7],
      gradReduceDtype: 'bf16',
    });
    const { args, inline } = simulateArgs(input);
    expect(inline).toEqual([]);
    expect(args.join(' ')).toBe(
      '--system dgx-h100 --gpus 16384 --model llama3-405b --kv-heads 8 --tied --tp 8 --pp 16 --no-sp --overlap tp,dp --tokens 15600000000000 --layers-per-stage 7,8,7 --grad-reduce-dtype bf16',
    );
  });

  it('reports inline systems and models, which flags cannot carry', () => {
    const input = parseScenarioInput({ model: { name: 'tiny', layers: 2, hidden: 64, heads: 4, vocab: 100 }, gpus: 8 });
    const { args, inline } = simulateArgs(input);
    expect(inline).toEqual(['model']);
    expect(args).toEqual(['--gpus', '8']);
  });

  it('writes "none" when nothing overlaps', () => {
    expect(simulateArgs(parseScenarioInput({ overlap: 'none' })).args).toEqual(['--overlap', 'none']);
  });

  it('quotes for the shell only when needed', () => {
    expect(shellQuote('--tp')).toBe('--tp');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
