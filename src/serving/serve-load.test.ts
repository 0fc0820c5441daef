/** `serve` under the new loads: a trace, length distributions, gamma bursts, prefix caching. */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { resolveSystem, resolveModelPreset } from '../config/catalog.js';
import { completeModel } from '../config/model-schema.js';
import { ClusterTwinError } from '../errors.js';
import { kvCacheBudget } from './kv-cache.js';
import { servingDeployment } from './deployment.js';
import { serve, type ServeInput } from './serve.js';
import { traceArrivals } from './arrivals.js';

const system = resolveSystem(catalog, 'dgx-h100');
const model = completeModel(resolveModelPreset(catalog, 'llama3.1-8b', 'model') as never);
const base = { system, model, tp: 1 } as const;
// A V100 system, whose KV cache (about 86k tokens) is shorter than the model's context (131k).
const small = { ...base, system: resolveSystem(catalog, 'nd40rs-v2') } as const;
const kvTokens = kvCacheBudget(servingDeployment(small)).kvCacheTokens;

/** The ClusterTwinError serve throws for this input. */
function refusal(x: ServeInput): ClusterTwinError {
  try {
    serve(x);
  } catch (err) {
    if (err instanceof ClusterTwinError) return err;
    throw err;
  }
  throw new Error('serve did not refuse');
}

const SAME_LENGTHS = 'every request has the same prompt and output length (--isl, --osl)';

describe('serve with a trace', () => {
  it('accounts for every request of the trace and reports it by its size, not its rows', () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ arrivalSeconds: i * 0.05, promptTokens: 100 + ((i * 37) % 900), outputTokens: 20 + (i % 50) }));
    const r = serve({ ...base, load: { kind: 'trace', requests: traceArrivals(rows), source: 'synthetic.csv' } });
    expect(r.requests.arrived).toBe(300);
    expect(r.requests.finished).toBe(300);
    expect(r.config.load).toEqual({ kind: 'trace', source: 'synthetic.csv', requests: 300, lastArrivalSeconds: rows[299].arrivalSeconds });
    const meanPrompt = rows.reduce((a, x) => a + x.promptTokens, 0) / 300;
    const prompts = rows.map((x) => x.promptTokens);
    expect(r.config.prompt).toEqual({ kind: 'trace', meanTokens: meanPrompt, minTokens: Math.min(...prompts), maxTokens: Math.max(...prompts) });
    expect(r.config.isl).toBeCloseTo(meanPrompt, 9);
    expect(r.notModelled).not.toContain(SAME_LENGTHS);
  });

  it("refuses a trace whose largest request does not fit, naming the trace and the request", () => {
    const rows = [
      { arrivalSeconds: 0, promptTokens: 100, outputTokens: 10 },
      { arrivalSeconds: 2.5, promptTokens: kvTokens, outputTokens: 10 },
    ];
    expect(kvTokens).toBeLessThan(131_072);
    const e = refusal({ ...small, load: { kind: 'trace', requests: traceArrivals(rows) } });
    expect(e.path).toBe('trace');
    expect(e.code).toBe('does_not_fit');
    expect(e.detail).toContain(`${kvTokens.toLocaleString('en-US')} prompt + 10 output tokens, arriving at 2.500 s`);
    expect(refusal({ ...base, isl: 10, load: { kind: 'trace', requests: traceArrivals(rows.slice(0, 1)) } }).path).toBe('isl');
  });
});

describe('serve with length distributions', () => {
  const closed = { kind: 'closed', concurrency: 8, requests: 64 } as const;

  it('checks the KV cache against the longest request the lengths allow, not the mean', () => {
    // Mean well inside the cache, the longest just past it.
    const prompt = { kind: 'uniform', minTokens: 100, maxTokens: kvTokens } as const;
    const e = refusal({ ...small, prompt, osl: 100, load: closed });
    expect(e.code).toBe('does_not_fit');
    expect(e.path).toBe('isl');
    expect(e.detail).toContain(`${kvTokens.toLocaleString('en-US')} prompt + 100 output tokens`);
    // The output's distribution is named when it is the one that varies.
    expect(refusal({ ...small, isl: 100, output: { kind: 'choice', tokens: [10, kvTokens] }, load: closed }).path).toBe('osl');
    // One block's worth less and it runs.
    expect(serve({ ...small, prompt: { kind: 'uniform', minTokens: 100, maxTokens: kvTokens - 200 }, osl: 100, load: { kind: 'closed', concurrency: 1, requests: 2 } }).requests.finished).toBe(2);
  });

  it("checks the model's context and prefill-first's step against the longest prompt", () => {
    const ctx = refusal({ ...base, prompt: { kind: 'normal', meanTokens: 1000, sdTokens: 100, minTokens: 1, maxTokens: 131_000 }, osl: 100, load: closed });
    expect(ctx.path).toBe('isl');
    expect(ctx.detail).toMatch(/131,000 prompt \+ 100 output tokens\) passes llama3.1-8b's context of 131,072/);
    const step = refusal({ ...base, policy: 'prefill-first', prompt: { kind: 'uniform', minTokens: 100, maxTokens: 9000 }, osl: 10, load: closed });
    expect(step.path).toBe('isl');
    expect(step.detail).toMatch(/a 9000-token prompt \(the longest the lengths allow\) is more than the 8192 tokens/);
  });

  it('draws each request its lengths, and says only fixed lengths are all the same', () => {
    const r = serve({ ...base, prompt: { kind: 'uniform', minTokens: 200, maxTokens: 1800 }, output: { kind: 'choice', tokens: [50, 150] }, load: { kind: 'poisson', ratePerSecond: 5, durationSeconds: 60 } });
    expect(r.requests.finished).toBe(r.requests.arrived);
    expect(r.config.isl).toBe(1000);
    expect(r.config.osl).toBe(100);
    expect(r.notModelled).not.toContain(SAME_LENGTHS);
    expect(serve({ ...base, isl: 500, osl: 50, load: closed }).notModelled).toContain(SAME_LENGTHS);
    expect(refusal({ ...base, isl: 500, prompt: { kind: 'fixed', tokens: 500 }, osl: 5, load: closed }).path).toBe('isl');
  });
});

describe('serve with gamma bursts', () => {
  const at = (cv: number) => serve({ ...base, isl: 1000, osl: 100, load: { kind: 'gamma', ratePerSecond: 8, durationSeconds: 300, cv } });

  it('is the Poisson stream at a CV of 1, and queues longer when burstier', () => {
    const poisson = serve({ ...base, isl: 1000, osl: 100, load: { kind: 'poisson', ratePerSecond: 8, durationSeconds: 300 } });
    const one = at(1);
    expect(one.ttftSeconds).toEqual(poisson.ttftSeconds);
    expect(one.requests).toEqual(poisson.requests);
    const bursty = at(4);
    expect(bursty.config.load).toEqual({ kind: 'gamma', ratePerSecond: 8, durationSeconds: 300, cv: 4 });
    expect(bursty.ttftSeconds.p99).toBeGreaterThan(poisson.ttftSeconds.p99);
    expect(at(4)).toEqual(bursty);
  });
});

describe('serve with prefix caching', () => {
  const load = { kind: 'closed', concurrency: 32, requests: 256 } as const;
  const run = (prefixCaching: boolean) => serve({ ...base, isl: 3000, osl: 200, sharedPrefixTokens: 2000, prefixCaching, load });

  it('prefills less and holds less KV when the shared prefix is cached', () => {
    const [off, on] = [run(false), run(true)];
    expect(on.ttftSeconds.mean).toBeLessThan(off.ttftSeconds.mean);
    expect(on.kvUtilization.mean).toBeLessThan(off.kvUtilization.mean);
    expect(on.outputTokensPerSecond).toBeGreaterThan(off.outputTokensPerSecond);
    expect(on.config).toMatchObject({ sharedPrefixTokens: 2000, prefixCaching: true });
    expect(off.notModelled.some((l) => l.startsWith('prefix caching: every prompt is prefilled in full'))).toBe(true);
    expect(on.notModelled.some((l) => l.startsWith('prefix caching: every prompt is prefilled in full'))).toBe(false);
    expect(on.notModelled.some((l) => l.startsWith('prefix caching: only the one prefix'))).toBe(true);
  });

  it('refuses a shared prefix longer than the shortest prompt', () => {
    const e = refusal({ ...base, prompt: { kind: 'uniform', minTokens: 500, maxTokens: 4000 }, osl: 10, sharedPrefixTokens: 501, prefixCaching: true, load });
    expect(e.path).toBe('sharedPrefix');
    expect(e.detail).toContain('the shortest prompt, 500');
  });
});
