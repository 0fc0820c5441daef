import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveSystem } from '../config/catalog.js';
import { FRAMEWORKS, frameworkDefaults } from './framework.js';

const gpu = (system: string) => resolveSystem(catalog, system).gpu;

describe('framework scheduler defaults', () => {
  it("follow vLLM's split by GPU memory, with A100 kept on the small defaults", () => {
    expect(frameworkDefaults('vllm', gpu('dgx-h100'))).toMatchObject({ policy: 'chunked-prefill', maxBatchedTokens: 8192, maxBatch: 1024 });
    expect(frameworkDefaults('vllm', gpu('dgx-a100-80g'))).toMatchObject({ maxBatchedTokens: 2048, maxBatch: 256 });
  });
  it("follow SGLang's chunked_prefill_size by GPU memory", () => {
    expect(frameworkDefaults('sglang', gpu('dgx-h100')).maxBatchedTokens).toBe(8192);
    expect(frameworkDefaults('sglang', gpu('dgx-b200')).maxBatchedTokens).toBe(16384);
    expect(frameworkDefaults('sglang', gpu('dgx-h100')).policy).toBe('prefill-batches');
  });
  it('give every framework a source and refuse an unknown one', () => {
    for (const f of FRAMEWORKS) expect(frameworkDefaults(f, gpu('dgx-h100')).source).toMatch(/\w/);
    expect(() => frameworkDefaults('tgi' as never, gpu('dgx-h100'))).toThrow(/framework: expected one of vllm, sglang, trtllm/);
  });
});
