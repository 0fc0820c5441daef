import { describe, expect, it } from 'vitest';
import { catalog, scenario } from '../../test/support/catalog.js';
import { errorOf } from '../../test/support/errors.js';
import { parseOverlap } from './resolve.js';

const base = { system: 'dgx-h100', model: 'gpt3-175b', gpus: 64, tp: 8, pp: 8, gbs: 64 } as const;

describe('scenario resolution', () => {
  it('derives DP from the GPU count', () => {
    expect(scenario({ ...base, gpus: 1024 }).exec.dp).toBe(16);
  });
  it('applies model overrides over the preset', () => {
    const s = scenario({ ...base, layers: 48, hidden: 6144, heads: 64 });
    expect(s.model.layers).toBe(48);
    expect(s.model.hidden).toBe(6144);
    expect(s.model.vocab).toBe(51200);
  });
  it('chooses TP and PP when they are not given', () => {
    const s = scenario({ system: 'dgx-h100', model: 'llama3-70b', gpus: 64, gbs: 64 });
    expect(s.exec.tp * s.exec.pp * s.exec.dp).toBe(64);
  });
  it.each([
    [{ ...base, tp: 7 }, 'tp', /must divide the model's 96 attention heads; allowed: 1, 2, 3/],
    [{ ...base, gpus: 100 }, 'gpus', /100 GPUs are not divisible by TP x PP x CP = 8 x 8 x 1 = 64/],
    [{ ...base, gpus: 128, gbs: 63 }, 'gbs', /global batch 63 is not divisible by micro-batch x DP = 1 x 2 = 2/],
    [{ ...base, system: 'dgx-h10' }, 'system', /unknown system preset "dgx-h10"; nearest: dgx-h100/],
    [{ ...base, model: 'llama3-4O5b' }, 'model', /unknown model preset.*nearest: llama3-405b/],
    [{ ...base, ep: 2 }, 'ep', /needs a mixture-of-experts model/],
    [{ ...base, gpus: 128, pp: 8, zero: 3 }, 'zero', /cannot be combined with pipeline parallelism/],
    [{ ...base, system: 'dgx-a100-80g', precision: 'fp8' }, 'precision', /fp8 needs FP8 tensor cores.*allowed: fp16, bf16/],
    [{ ...base, vp: 13 }, 'vp', /needs at least 13 layers/],
    [{ ...base, layersPerStage: [12, 12] }, 'layersPerStage', /must list 8 stages/],
    [{ ...base, recompute: 'some' }, 'recompute', /must be one of "none", "selective", "selective-op", "full"/],
    [{ ...base, gpus: 'many' }, 'gpus', /expected a whole number from 1 to 4,194,304 .*got "many"/],
    [{ ...base, seq: -1 }, 'seq', /expected a whole number from 1 to .*got -1/],
    [{ ...base, turbo: true }, '', /unknown field turbo/],
    [{ ...base, model: 'deepseek-r1', tp: 8, pp: 1, gpus: 64 }, 'model', /deepseek-r1 has multi-head latent attention, shared experts, leading dense layers .*; clustertwin serve models it/],
    [{ system: 'dgx-h100', model: 'deepseek-r1', gpus: 64, gbs: 64 }, 'model', /training model does not cover yet/],
  ])('rejects %o on %s', (input, path, message) => {
    const e = errorOf(() => scenario(input as never));
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
  });
  it('parses overlap lists', () => {
    expect(parseOverlap('tp,pp')).toEqual({ tp: true, dp: false, pp: true });
    expect(parseOverlap('none')).toEqual({ tp: false, dp: false, pp: false });
    expect(() => parseOverlap('tp,xx')).toThrow(/unknown overlap "xx"/);
  });
  it('has every preset the product promises', () => {
    for (const s of ['dgx-a100-80g', 'ndm-a100-v4', 'nd-a100-v4', 'dgx-h100', 'nd-h100-v5', 'nd-h200-v5', 'dgx-b200', 'nd40rs-v2']) {
      expect(catalog.systems[s]).toBeDefined();
    }
    for (const m of ['gpt3-175b', 'llama3-8b', 'llama3-70b', 'llama3-405b', 'opt-175b', 'bloom-176b', 'mt-nlg-530b', 'megatron-1t']) {
      expect(catalog.models[m]).toBeDefined();
    }
  });
});
