/**
 * Input bounds: the range of every count, size and duration a user can give, checked before any
 * work starts. Each range is wide enough for every machine and model built or announced, and
 * narrow enough that the engine answers within about a second and a few hundred MB at its top
 * (bench/ and test/robustness.test.ts hold it there). A value outside is a one-line error naming
 * the field and the range, never a hang or an exhausted heap.
 */
import { z } from 'zod';
import { echo } from '../errors.js';
import { parseCount } from '../units.js';

export interface Bound {
  min: number;
  max: number;
  /** Whole numbers only. */
  integer: boolean;
  /** Why the top is where it is, for the docs and the error message. */
  why: string;
}

const whole = (min: number, max: number, why: string): Bound => ({ min, max, integer: true, why });

/** 2^22 GPUs: 20 times the largest machines announced (100,000-200,000 GPUs, xAI Colossus 2024-25). */
export const MAX_GPUS = 4_194_304;

export const BOUNDS = {
  gpus: whole(1, MAX_GPUS, '2^22, 20x the largest machines announced'),
  layers: whole(1, 4096, "32x the 128 layers of the deepest preset, Megatron's 1T"),
  hidden: whole(1, 1_048_576, "2^20, 40x the 25,600 of the widest preset"),
  heads: whole(1, 65_536, '2^16 attention heads'),
  headDim: whole(1, 65_536, '2^16 per head'),
  ffnHidden: whole(1, 4_194_304, '2^22'),
  vocab: whole(1, 16_777_216, '2^24, 64x the 262,144 tokens of Gemma 3'),
  seq: whole(1, 134_217_728, '2^27, 13x the 10M-token context of Llama 4 Scout'),
  gbs: whole(1, 16_777_216, '2^24 sequences'),
  mbs: whole(1, 1_048_576, '2^20 sequences'),
  parallel: whole(1, MAX_GPUS, 'at most the GPUs of the largest job'),
  experts: whole(1, 65_536, '2^16 experts'),
  tokens: { min: 1, max: 1e16, integer: false, why: '10,000T, 270x the 36T tokens of Qwen3' },
  zeroBucketParams: { min: 0, max: 1e13, integer: true, why: '0 is a layer a call; 10 trillion parameters at most' },
  /** Names of presets, systems, models: no preset name is this long. */
  nameChars: whole(1, 200, 'no preset name is this long'),
  /** Free text (descriptions) in an inline system or model. */
  textChars: whole(0, 2000, 'descriptions are a line or two'),
} as const satisfies Record<string, Bound>;

/**
 * The event simulation keeps a few numbers per micro-batch and stage; past this many
 * micro-batch passes (PP x VP x micro-batches per pipeline) it would need seconds and
 * hundreds of MB. Real runs use a few thousand.
 */
export const MAX_PIPELINE_PASSES = 4_194_304;

/**
 * `--timeline` keeps every event of the step (a few per micro-batch pass and stage) in the JSON:
 * past this many passes that is hundreds of MB of output, which no chart needs.
 */
export const MAX_TIMELINE_PASSES = 65_536;

/**
 * The flow-level network solves every flow of every collective of a step together: up to about
 * 12 s at 16,384 GPUs and 50 s at 65,536 on this project's 2-core machine (Llama 3 8B with DP over
 * every GPU, measured 2026-12-01; Llama 3 405B's step takes 0.3 s at 16,384). Past this a step with
 * --network flow is refused (the analytical model answers at any size).
 */
export const MAX_FLOW_STEP_GPUS = 16_384;

/**
 * `serve --trace`: the largest file read and the most requests taken. A row is 20-40 bytes; the
 * Azure LLM inference traces of 2023 are 320 KB (code) and 719 KB (conversation), about 9,000 and
 * 20,000 requests (Azure/AzurePublicDataset, data/AzureLLMInferenceTrace_*.csv); 2^22 requests is
 * a day of busy traffic, past which the simulation's own bound (serve.ts) refuses most runs anyway.
 */
export const MAX_TRACE_BYTES = 256 * 1024 * 1024;
export const MAX_TRACE_ROWS = 4_194_304;

/** Reliability: the longest wall-clock window studied, days (a century). */
export const MAX_WINDOW_DAYS = 36_500;
/** Reliability: the largest what-if multiplier of the failure rates. */
export const MAX_FAILURE_RATE_SCALE = 1e4;
/** Monte Carlo trials at most (each a whole run drawn interruption by interruption). */
export const MAX_TRIALS = 1_000_000;
/**
 * Monte Carlo: interruptions drawn over all trials at most (expected interruptions per run x
 * trials). Past it the trials are fewer, and the output says so; about a second of drawing.
 */
export const MAX_MONTE_CARLO_EVENTS = 8_000_000;

/** A preset, system, model or cause name: 1 to 200 characters. */
export const nameSchema = () => z.string().min(BOUNDS.nameChars.min).max(BOUNDS.nameChars.max);

/** A number as a range message writes it: 4,194,304 or 1e+16. */
export const boundText = (x: number): string => (Math.abs(x) >= 1e15 ? x.toExponential(0).replace('+', '') : x.toLocaleString('en-US'));

/** "a whole number from 1 to 4,194,304 (2^22, ...)" */
export function rangeText(b: Bound): string {
  return `${b.integer ? 'a whole number' : 'a number'} from ${boundText(b.min)} to ${boundText(b.max)} (${b.why})`;
}

/**
 * A number within its bound, as a zod schema whose every failure says the range and echoes the
 * value. Strings are counts (`300B`, `16M`, `1e6`); a string that is not one is kept as it is,
 * so the message quotes what the user wrote.
 */
export function boundedNumber(b: Bound) {
  const message = (iss: { input?: unknown }): string => `expected ${rangeText(b)}, got ${echo(iss.input)}`;
  const n = z.number({ error: message });
  const ranged = (b.integer ? n.int({ error: message }) : n).min(b.min, { error: message }).max(b.max, { error: message });
  return z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    const x = parseCount(v);
    return Number.isNaN(x) ? v : x;
  }, ranged);
}
