import { describe, expect, it } from 'vitest';
import { loadPresets } from '../node/presets.js';
import { resolveModel, resolveSystem } from '../config/catalog.js';
import { serve, type ServeInput } from '../serving/serve.js';
import { closedRequests, servingLoadCurve } from './serving-load-curve.js';

const catalog = loadPresets();
const base = { system: resolveSystem(catalog, 'dgx-h100'), model: resolveModel(catalog, 'llama3.1-8b'), tp: 1, isl: 512, osl: 256 };

describe('servingLoadCurve', () => {
  it('takes the user point from the user run, and sweeps rates from light to past the probed capacity', () => {
    const x: ServeInput = { ...base, load: { kind: 'poisson', ratePerSecond: 6, durationSeconds: 60 } };
    const user = serve(x);
    const done: number[] = [];
    const c = servingLoadCurve(x, user, { onProgress: (d) => done.push(d) });
    expect(c.axis).toBe('rate');
    const levels = c.points.map((p) => p.level);
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    const mine = c.points.filter((p) => p.user);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 6, ttftSeconds: user.ttftSeconds, tpotSeconds: user.tpotSeconds, costUsdPerMillionTokens: user.costUsdPerMillionTokens });
    expect(c.capacityRequestsPerSecond).toBeGreaterThan(0);
    expect(levels[0]).toBeLessThan(0.2 * c.capacityRequestsPerSecond!);
    expect(levels.at(-1)!).toBeGreaterThan(c.capacityRequestsPerSecond!);
    // Past saturation a queue builds: the heaviest load's median TTFT is many times the lightest's.
    expect(c.points.at(-1)!.ttftSeconds.p50).toBeGreaterThan(5 * c.points[0].ttftSeconds.p50);
    // Every other point ran its bounded number of requests (Poisson: about that many arrive).
    for (const p of c.points.filter((q) => !q.user)) expect(Math.abs(p.requests / c.requestsPerPoint - 1)).toBeLessThan(0.15);
    expect(done.at(-1)).toBe(1);
  });

  it('sweeps a closed loop in powers of two clients up to twice what the KV cache holds', () => {
    const x: ServeInput = { ...base, load: { kind: 'closed', concurrency: 24, requests: 96 } };
    const user = serve(x);
    const c = servingLoadCurve(x, user);
    expect(c.axis).toBe('concurrency');
    const levels = c.points.map((p) => p.level);
    expect(levels.filter((l) => l !== 24).every((l) => Number.isInteger(Math.log2(l)))).toBe(true);
    expect(levels[0]).toBe(1);
    expect(levels.at(-1)!).toBeGreaterThanOrEqual(c.saturationClients);
    expect(c.points.find((p) => p.user)!.requests).toBe(96);
    for (const p of c.points.filter((q) => !q.user)) expect(p.requests).toBe(closedRequests(p.level, c.requestsPerPoint));
    // More clients, more throughput a GPU, until saturation.
    expect(c.points[3].outputTokensPerSecondPerGpu).toBeGreaterThan(c.points[0].outputTokensPerSecondPerGpu);
  });

  it('replays a trace faster and slower, keeping its gaps in proportion', () => {
    const n = 300;
    const arrivalSeconds = Float64Array.from({ length: n }, (_, i) => i * 0.5 + (i % 3) * 0.1);
    const x: ServeInput = { ...base, isl: undefined, osl: undefined, load: { kind: 'trace', source: 't.csv', requests: { arrivalSeconds, promptTokens: new Int32Array(n).fill(400), outputTokens: new Int32Array(n).fill(200) } } };
    const user = serve(x);
    const c = servingLoadCurve(x, user);
    expect(c.loadKind).toBe('trace');
    const u = c.points.find((p) => p.user)!;
    expect(u.level).toBeCloseTo((n - 1) / arrivalSeconds[n - 1], 12);
    expect(u.ttftSeconds).toEqual(user.ttftSeconds);
    expect(c.requestsPerPoint).toBe(n);
    for (const p of c.points) expect(p.requests).toBe(n);
    expect(c.points.length).toBeGreaterThan(5);
  });
});
