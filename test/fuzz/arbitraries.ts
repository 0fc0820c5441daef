/**
 * What the fuzz suite draws: command lines and scenario files, valid, at the edges and hostile
 * (huge, tiny, NaN, Infinity, negative, wrong types, long strings, deep nesting), built from the
 * presets and the scenario schema's own keys so new flags and presets are fuzzed too.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SCENARIO_KEYS } from '../../src/config/scenario-input.js';
import { FLAG_OF_KEY } from '../../src/cli/scenario-options.js';
import { loadPresets } from '../../src/node/presets.js';

const catalog = loadPresets();
export const SYSTEMS = Object.keys(catalog.systems);
export const MODELS = Object.keys(catalog.models);
export const HYPERSCALE_FILE = fileURLToPath(new URL('../fixtures/hyperscale-system.yaml', import.meta.url));
const HYPERSCALE = (parse(readFileSync(HYPERSCALE_FILE, 'utf8')) as { system: Record<string, unknown> }).system;

/** Text a hostile or careless user types where a number belongs. */
const HOSTILE_TEXT = ['0', '-1', '-8', '1e308', '-1e308', '1e-308', 'NaN', 'Infinity', '-Infinity', '', ' ', '1.5', '0.0001', '1e6', '16K', '3T', '4B', 'abc', '0x10', '1,0,2', '..', '1..1e9', '9'.repeat(40), 'x'.repeat(2000), '1e', '--', 'null', 'true'];
/** Values of the wrong type or out of range for a config file. */
const HOSTILE_VALUE: unknown[] = [0, -1, 1e308, -1e308, 1.5, 2 ** 53, 1e-300, 'NaN', 'Infinity', '', 'x'.repeat(5000), true, false, null, [], [1, 2], {}, { a: { b: { c: 1 } } }];

const hostileText = fc.constantFrom(...HOSTILE_TEXT);
const hostileValue = fc.constantFrom(...HOSTILE_VALUE);

/** Plausible values of each scenario flag, by key. */
const PLAUSIBLE: Record<string, string[]> = {
  system: SYSTEMS,
  model: MODELS,
  gpus: ['1', '8', '16', '64', '256', '1024', '4096', '16384', '65536'],
  layers: ['1', '2', '32', '96', '4096'],
  hidden: ['64', '4096', '12288', '1048576'],
  heads: ['1', '8', '32', '96'],
  kvHeads: ['1', '8', '96'],
  ffnHidden: ['128', '14336', '49152'],
  vocab: ['1', '32000', '128256', '16777216'],
  seq: ['1', '128', '2048', '8192', '131072', '134217728'],
  gbs: ['1', '8', '64', '512', '2048', '16777216'],
  mbs: ['1', '2', '4', '16'],
  tp: ['1', '2', '4', '8', '16'],
  pp: ['1', '2', '4', '8', '16', '64'],
  dp: ['1', '2', '8', '128'],
  cp: ['1', '2', '4'],
  ep: ['1', '2', '8'],
  vp: ['1', '2', '4'],
  zero: ['0', '1', '2', '3'],
  recompute: ['none', 'selective', 'full', 'selective-op'],
  precision: ['bf16', 'fp16', 'fp8'],
  overlap: ['tp', 'dp,pp', 'none', 'tp,dp,pp'],
  overlapInterference: ['none', 'sms', 'sms-hbm'],
  tokens: ['1', '1B', '300B', '15.6T', '1e16'],
  layersPerStage: ['1,1', '16,16', '0,32', '40,40'],
  attention: ['flash', 'unfused', 'flash-triton'],
  gradReduceDtype: ['fp32', 'bf16'],
  weightDtype: ['bf16', 'fp32'],
  kernels: ['fused', 'eager'],
  autocastCache: ['forward', 'none'],
  lossKernel: ['fused', 'eager'],
  optimizerKernel: ['fused', 'foreach'],
  network: ['analytical', 'flow'],
  zeroBucketParams: ['0', '5e7', '1e13'],
};
const BOOLEAN_FLAGS = ['tied', 'dropout', 'sp'];

/** One scenario flag with a plausible or a hostile value. */
const scenarioFlag: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom(...Object.keys(PLAUSIBLE)).chain((k) =>
    fc.oneof({ arbitrary: fc.constantFrom(...PLAUSIBLE[k]), weight: 4 }, { arbitrary: hostileText, weight: 1 }).map((v) => [FLAG_OF_KEY[k], v]),
  ),
  fc.constantFrom(...BOOLEAN_FLAGS).chain((k) => fc.boolean().map((on) => [on ? `--${k}` : `--no-${k}`])),
);

const scenarioFlags = fc.array(scenarioFlag, { maxLength: 8 }).map((xs) => xs.flat());

/** A command's own flags, plausible or hostile. */
const own = (flags: Record<string, string[]>): fc.Arbitrary<string[]> =>
  fc
    .array(
      fc.constantFrom(...Object.keys(flags)).chain((f) => fc.oneof({ arbitrary: fc.constantFrom(...flags[f]), weight: 3 }, { arbitrary: hostileText, weight: 1 }).map((v) => [f, v])),
      { maxLength: 4 },
    )
    .map((xs) => xs.flat());

const RELIABILITY = {
  '--days': ['1', '54', '365', '36500'],
  '--checkpoint-interval': ['optimal', '30s', '20m', '2d'],
  '--hot-spares': ['auto', '0', '4', '1000000'],
  '--failure-rate-scale': ['0', '0.5', '2', '60', '10000'],
  '--checkpoint-write-gbps': ['1', '64', '2000'],
  '--restart': ['0', '5m', '1h'],
  '--seed': ['1', '-5', '42'],
};
const COLLECTIVE = {
  '--op': ['allreduce', 'allgather', 'reducescatter', 'alltoall', 'broadcast', 'sendrecv'],
  '--system': SYSTEMS,
  '--gpus': ['2', '8', '16', '72', '1024', '65536'],
  '--min-bytes': ['1', '1K', '1KB', '64M', '1G'],
  '--max-bytes': ['1K', '8G', '1T'],
  '--step-factor': ['2', '4', '1.5', '1024'],
  '--algo': ['auto', 'ring', 'tree', 'nvls'],
  '--network': ['analytical', 'flow'],
};

const SERVE = {
  '--system': SYSTEMS,
  '--model': MODELS,
  '--tp': ['1', '2', '4', '8'],
  '--pp': ['1', '2'],
  '--ep': ['1', '2', '8'],
  '--replicas': ['1', '2', '16'],
  '--precision': ['bf16', 'fp8', 'fp4', 'int4'],
  '--kv-dtype': ['bf16', 'fp8'],
  '--max-batch': ['1', '16', '256'],
  '--max-batched-tokens': ['512', '8192'],
  '--policy': ['chunked-prefill', 'prefill-first'],
  '--routing': ['round-robin', 'least-outstanding', 'random'],
  '--isl': ['1', '128', '2048', '32768'],
  '--osl': ['1', '2', '64', '512'],
  '--concurrency': ['1', '8', '64'],
  '--requests': ['1', '10', '100'],
  '--warmup': ['0', '5s'],
};
/** serve under a Poisson load, kept small enough for a fuzz case. */
const SERVE_RATE = { '--rate': ['0.5', '5', '50'], '--duration': ['10s', '1m'] };

/** A sweep axis: a field and a short list of values, some hostile. */
const sweepAxis = fc
  .tuple(
    fc.constantFrom('gbs', 'seq', 'gpus', 'tp', 'system', 'model', 'recompute', 'node.nicGbps', 'fabric.oversubscription', 'gpu.hbmGiB', 'pricing.usdPerGpuHour', 'model.layers', 'nonsense.field'),
    fc.array(fc.oneof(fc.constantFrom('1', '2', '8', '64', '512', 'dgx-h100', 'llama3-8b', 'full'), hostileText), { minLength: 1, maxLength: 3 }),
  )
  .map(([field, values]) => ['--set', `${field}=${values.join(',')}`]);

/** A whole command line of simulate, reliability, collective or sweep. */
export const commandLine: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(scenarioFlags, fc.constantFrom([], ['--json'], ['--json', '--timeline'])).map(([f, j]) => ['simulate', ...f, ...j]),
  // Few trials: the expected-value model is what is fuzzed; the Monte Carlo has its own tests.
  fc.tuple(scenarioFlags, own(RELIABILITY), fc.constantFrom('0', '3', '20')).map(([f, o, t]) => ['reliability', ...f, ...o, '--trials', t, '--json']),
  fc.tuple(own(COLLECTIVE), fc.constantFrom([], ['--json'])).map(([o, j]) => ['collective', ...o, ...j]),
  fc.tuple(scenarioFlags, fc.array(sweepAxis, { minLength: 1, maxLength: 2 })).map(([f, axes]) => ['sweep', ...f, ...axes.flat(), '--format', 'jsonl']),
  fc.tuple(own(SERVE), fc.oneof(fc.constant([] as string[]), own(SERVE_RATE)), fc.constantFrom([], ['--json'])).map(([o, rate, j]) => ['serve', '--requests', '20', ...o, ...rate, ...j]),
);

/** Changes one field somewhere in an object: a hostile value, a deletion, or a deep nest. */
function mutate(obj: Record<string, unknown>, path: string[], how: 'value' | 'delete' | 'nest', value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(obj);
  let at: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) {
    if (at[k] === null || typeof at[k] !== 'object') return copy;
    at = at[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (how === 'delete') delete at[last];
  else if (how === 'nest') {
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = { x: deep };
    at[last] = deep;
  } else at[last] = value;
  return copy;
}

/** Every path to a leaf of an object. */
function leafPaths(obj: unknown, prefix: string[] = []): string[][] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

const SYSTEM_PATHS = leafPaths(HYPERSCALE);
const INLINE_MODEL = { name: 'fuzz-model', layers: 8, hidden: 1024, heads: 16, kvHeads: 4, vocab: 32000, ffnAct: 'swiglu', maxSeq: 4096 };
const MODEL_PATHS = leafPaths(INLINE_MODEL);

/** A scenario file's content: plain keys, an inline system or an inline model, each possibly broken. */
export const scenarioFile: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  // Top-level keys of the schema (and one it lacks), plausible or hostile.
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...SCENARIO_KEYS, 'unknownKey'), fc.oneof(fc.constantFrom(...Object.values(PLAUSIBLE).flat()), hostileValue), { maxKeys: 6 }) },
  // The hyperscale inline system, one field changed (or none: the valid base is fuzzed at sizes too).
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...SYSTEM_PATHS), fc.constantFrom('value', 'delete', 'nest', 'none') as fc.Arbitrary<'value' | 'delete' | 'nest' | 'none'>, hostileValue, fc.constantFrom('8', '64', '1024', '100000'))
      .map(([path, how, value, gpus]) => ({ system: how === 'none' ? HYPERSCALE : mutate(HYPERSCALE, path, how, value), model: 'llama3-8b', gpus })),
  },
  // The hyperscale system with an inline failure model built on a preset, its numbers hostile.
  fc
    .record({
      rateScale: fc.oneof(hostileValue, { weight: 3, arbitrary: fc.constantFrom(0, 1, 100, 1e4) }),
      nodeRepairHours: fc.oneof(hostileValue, { weight: 3, arbitrary: fc.constantFrom(0.001, 72, 1e5) }),
      restartSeconds: fc.oneof(hostileValue, { weight: 3, arbitrary: fc.constantFrom(0, 600, 1e7) }),
      gpus: fc.constantFrom('64', '4096', '100000'),
    })
    .map(({ rateScale, nodeRepairHours, restartSeconds, gpus }) => ({
      system: { ...HYPERSCALE, reliability: { extends: 'meta-rsc-a100', rateScale, recovery: { nodeRepairHours, restartSeconds } } },
      model: 'llama3-8b',
      gpus,
    })),
  // An inline model, one field changed.
  fc
    .tuple(fc.constantFrom(...MODEL_PATHS), fc.constantFrom('value', 'delete') as fc.Arbitrary<'value' | 'delete'>, hostileValue, fc.constantFrom(8, 64))
    .map(([path, how, value, gpus]) => ({ system: 'dgx-h100', model: mutate(INLINE_MODEL, path, how, value), gpus })),
);
