/** Scenarios the benchmarks time. */
import type { ScenarioInput } from '../src/config/scenario-input.js';

/** Llama 3 405B on 16,384 H100 as Meta ran it: TP 8, PP 16, DP 128, sequence 8192, 16M-token batch. */
export const LLAMA3_405B_16K: ScenarioInput = {
  system: 'dgx-h100',
  model: 'llama3-405b',
  gpus: 16384,
  tp: 8,
  pp: 16,
  seq: 8192,
  gbs: 2048,
  mbs: 1,
  tokens: 15.6e12,
};
