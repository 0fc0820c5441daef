import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { catalog, scenario } from '../../test/support/catalog.js';
import { evaluateScenario, simulate } from '../engine.js';
import type { ScenarioInput } from '../config/scenario-input.js';
import type { Scenario } from '../config/resolve.js';
import { hostBoundPassSeconds, launchQueue, steadyPassSeconds, type HostSettings, type IssuedWork, type PassSegment } from './host-overhead.js';
import type { Kernel } from './kernel.js';

const workArb = fc.array(
  fc.record({ gpuSeconds: fc.double({ min: 0, max: 1e-3, noNaN: true }), hostSeconds: fc.double({ min: 0, max: 1e-4, noNaN: true }) }),
  { minLength: 1, maxLength: 40 },
);
const sum = (w: readonly IssuedWork[], f: (x: IssuedWork) => number) => w.reduce((s, x) => s + f(x), 0);

describe('launch queue', () => {
  it('takes the GPU time when the host is free, the host time when the GPU is', () => {
    const w = [1e-4, 2e-4, 3e-4].map((g) => ({ gpuSeconds: g, hostSeconds: 0 }));
    expect(launchQueue(w).seconds).toBeCloseTo(6e-4, 12);
    const h = [1e-5, 2e-5].map((x) => ({ gpuSeconds: 0, hostSeconds: x }));
    expect(launchQueue(h).seconds).toBeCloseTo(3e-5, 12);
    // Short kernels behind a slow host: each waits for its issue.
    const short = Array.from({ length: 10 }, () => ({ gpuSeconds: 1e-6, hostSeconds: 1e-5 }));
    expect(launchQueue(short).seconds).toBeCloseTo(10 * 1e-5 + 1e-6, 12);
  });

  it('a pass is never shorter than its GPU time or its host time, nor longer than both together', () => {
    fc.assert(
      fc.property(workArb, (w) => {
        const t = steadyPassSeconds(w);
        const g = sum(w, (x) => x.gpuSeconds);
        const h = sum(w, (x) => x.hostSeconds);
        expect(t).toBeGreaterThanOrEqual(Math.max(g, h) * (1 - 1e-9) - 1e-15);
        expect(t).toBeLessThanOrEqual((g + h) * (1 + 1e-9) + 1e-15);
      }),
    );
  });

  it('more kernels are never faster', () => {
    fc.assert(
      fc.property(workArb, workArb, fc.nat(40), (w, extra, at) => {
        const i = Math.min(at, w.length);
        const more = [...w.slice(0, i), ...extra, ...w.slice(i)];
        expect(launchQueue(more).seconds).toBeGreaterThanOrEqual(launchQueue(w).seconds * (1 - 1e-12));
        expect(steadyPassSeconds(more)).toBeGreaterThanOrEqual(steadyPassSeconds(w) * (1 - 1e-12));
      }),
    );
  });

  it('a faster host is never slower', () => {
    fc.assert(
      fc.property(workArb, fc.double({ min: 0, max: 1, noNaN: true }), (w, k) => {
        const faster = w.map((x) => ({ ...x, hostSeconds: x.hostSeconds * k }));
        expect(steadyPassSeconds(faster)).toBeLessThanOrEqual(steadyPassSeconds(w) * (1 + 1e-12));
      }),
    );
  });
});

describe('a layer pass', () => {
  const kernels: Kernel[] = [
    { kind: 'memory', name: 'norm', bytes: 1e6 },
    { kind: 'gemm', name: 'qkv', m: 512, n: 768, k: 768, batch: 1, precision: 'bf16' },
    { kind: 'memory', name: 'residual', bytes: 1e6 },
  ];
  const seg: PassSegment[] = [{ kernels, gpuSeconds: [1e-6, 5e-6, 1e-6], issuer: 'python' }];
  const host = (over: Partial<HostSettings> = {}): HostSettings => ({ mode: 'launch-queue', style: 'eager', cpuSlowdown: 1, zero3ParamTensors: 0, ...over });

  it('off is the kernels summed; short kernels behind an eager host take the host time; CUDA graphs take the GPU time', () => {
    expect(hostBoundPassSeconds(host({ mode: 'off' }), seg)).toBe(7e-6);
    expect(hostBoundPassSeconds(host(), seg)).toBeGreaterThan(3e-5);
    // One graph launch (9.7 µs) against 7 µs of kernels: the host still bounds it, at one op's time.
    expect(hostBoundPassSeconds(host({ mode: 'cuda-graphs' }), seg)).toBeCloseTo(9.7e-6, 9);
    expect(hostBoundPassSeconds(host({ mode: 'cuda-graphs' }), seg)).toBeLessThan(hostBoundPassSeconds(host(), seg));
  });

  it('a slower host CPU and ZeRO-3 hooks are never faster', () => {
    const base = hostBoundPassSeconds(host(), seg);
    expect(hostBoundPassSeconds(host({ cpuSlowdown: 2.75 }), seg)).toBeGreaterThan(base);
    expect(hostBoundPassSeconds(host({ zero3ParamTensors: 6 }), seg)).toBeGreaterThan(base);
  });
});

// A host-bound model: GPT-2 small's shape at one sequence of 1,024 tokens per GPU, eager kernels.
const small: ScenarioInput = {
  system: 'dgx-h100', gpus: 8, model: 'gpt3-175b', layers: 12, hidden: 768, heads: 12, kvHeads: 12, ffnHidden: 3072,
  seq: 1024, mbs: 1, gbs: 8, tp: 1, pp: 1, zero: 0, kernels: 'eager',
};
const step = (input: ScenarioInput) => simulate(input, catalog).stepTimeSeconds;
const withHost = (s: Scenario, slowdown: number): Scenario => ({ ...s, system: { ...s.system, node: { ...s.system.node, hostCpuSlowdown: slowdown } } });

describe('the host in the step', () => {
  it('slows a small eager model, CUDA graphs take it back, off is the kernel time', () => {
    const off = step({ ...small, hostOverhead: 'off' });
    const eager = step({ ...small, hostOverhead: 'launch-queue' });
    const graphs = step({ ...small, hostOverhead: 'cuda-graphs' });
    expect(eager).toBeGreaterThan(off * 1.05);
    expect(graphs).toBeLessThan(eager);
    expect(graphs).toBeGreaterThanOrEqual(off);
  });

  it('launch-queue with a nearly free host is off exactly (to rounding): the hook changes nothing else', () => {
    const off = evaluateScenario(scenario({ ...small, hostOverhead: 'off' })).stepTimeSeconds;
    const free = evaluateScenario(withHost(scenario({ ...small, hostOverhead: 'launch-queue' }), 1e-6)).stepTimeSeconds;
    expect(Math.abs(free / off - 1)).toBeLessThan(1e-6);
  });

  it('a slower host CPU is never faster', () => {
    const s = scenario({ ...small, hostOverhead: 'launch-queue' });
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 5, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true }), (a, b) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        expect(evaluateScenario(withHost(s, hi)).stepTimeSeconds).toBeGreaterThanOrEqual(evaluateScenario(withHost(s, lo)).stepTimeSeconds * (1 - 1e-12));
      }),
      { numRuns: 20 },
    );
  });

  it('more layers (more kernels a step) are never faster', () => {
    const a = step({ ...small, layers: 12 });
    const b = step({ ...small, layers: 13 });
    expect(b).toBeGreaterThan(a);
  });

  it('leaves large models within 0.5% (kernels much longer than their issue), also on a Grace host', () => {
    const big: ScenarioInput[] = [
      catalog.scenarios.default as ScenarioInput,
      { system: 'dgx-h100', gpus: 64, model: 'llama3-70b', seq: 4096, gbs: 128, mbs: 1, tp: 4, pp: 4, vp: 5 },
      { system: 'dgx-h100', gpus: 8, model: 'mpt-7b', seq: 2048, gbs: 48, mbs: 6, tp: 1, pp: 1, zero: 3, kernels: 'eager', weightDtype: 'fp32', recompute: 'none' },
      { system: 'gb200-nvl72', gpus: 128, model: 'llama3-405b', seq: 8192, gbs: 64, mbs: 1, tp: 4, pp: 8, cp: 2, vp: 8 },
    ];
    for (const input of big) {
      const off = step({ ...input, hostOverhead: 'off' });
      const on = step({ ...input, hostOverhead: 'launch-queue' });
      expect(on).toBeGreaterThanOrEqual(off);
      expect(on / off - 1).toBeLessThan(0.005);
    }
  });
});

/**
 * The project's own measurement: whole steps on one H100 and one H200 (calibration/results), whose
 * span minus summed kernel time is the GPU waiting for the host, plus the profile's run-to-run noise
 * (span and kernels come from two runs; one step reads -2.4%). The twin must not predict more idle
 * than that noise allows on any step, and on average must be within 1.5% of the step of the measured
 * idle (H100: 1.0% measured on average, the checkpointed MPT-1B step 3.0%; H200: 0.4%).
 */
describe('against the calibration steps', () => {
  for (const [file, system] of [['h100-sxm-80g-2026-11-28.json', 'dgx-h100'], ['h200-sxm-141g-2026-11-28.json', 'nd-h200-v5']] as const) {
    it(`${file}: the twin's host idle beside the measured one`, () => {
      const measured = JSON.parse(readFileSync(new URL(`../../calibration/results/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;
      const steps = Object.entries(measured).filter(([k]) => k.startsWith('modelStep:'));
      expect(steps.length).toBeGreaterThan(0);
      let shortfall = 0;
      for (const [, value] of steps) {
        const v = value as { shape: Record<string, number>; weights: string; checkpoint: boolean; profile: { spanSeconds: number; kernelSeconds: number } };
        const { layers, hidden, heads, seq, mbs, vocab } = v.shape;
        const input: ScenarioInput = {
          system, gpus: 1, model: 'gpt3-175b', layers, hidden, heads, kvHeads: heads, ffnHidden: 4 * hidden, vocab, tied: true, dropout: false,
          seq, mbs, gbs: mbs, tp: 1, pp: 1, zero: 0, precision: 'bf16', attention: 'flash', recompute: v.checkpoint ? 'full' : 'none',
          weightDtype: v.weights === 'bf16' ? 'bf16' : 'fp32', kernels: 'eager',
        };
        const span = v.profile.spanSeconds;
        const twinIdle = step({ ...input, hostOverhead: 'launch-queue' }) - step({ ...input, hostOverhead: 'off' });
        const measuredIdle = span - v.profile.kernelSeconds;
        expect(twinIdle).toBeGreaterThanOrEqual(0);
        expect(twinIdle).toBeLessThan(measuredIdle + 0.025 * span);
        shortfall += (measuredIdle - twinIdle) / span;
      }
      expect(Math.abs(shortfall / steps.length)).toBeLessThan(0.015);
    });
  }
});
