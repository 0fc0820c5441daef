/**
 * Request streams for the serving simulation: when each request arrives and how long its prompt
 * and its reply are. Open-loop streams (Poisson, gamma bursts, a trace) are drawn up front into
 * typed arrays; the closed loop is only described here, because its arrivals depend on when
 * earlier requests finish and the simulation makes them as it goes.
 */
import { seededRng, type Rng } from '../reliability/prng.js';

/**
 * A length in tokens: fixed, uniform over a closed range, drawn from a list with equal weight, or
 * normal, rounded to whole tokens and clamped to [minTokens, maxTokens] (a normal has no bound of
 * its own, and the context and KV checks need one).
 */
export type LengthDistribution =
  | { kind: 'fixed'; tokens: number }
  | { kind: 'uniform'; minTokens: number; maxTokens: number }
  | { kind: 'choice'; tokens: readonly number[] }
  | { kind: 'normal'; meanTokens: number; sdTokens: number; minTokens: number; maxTokens: number };

/** Requests in arrival order, one index a request. */
export interface RequestTable {
  arrivalSeconds: Float64Array;
  promptTokens: Int32Array;
  outputTokens: Int32Array;
}

/** How much traffic an open-loop stream makes: arrivals before a time, a number of requests, or both (whichever ends first). */
export interface StreamLimit {
  durationSeconds?: number;
  requests?: number;
}

/** A closed loop as benchmarks run it: `concurrency` clients, each sending its next request when its last one ends. */
export interface ClosedLoop {
  kind: 'closed';
  concurrency: number;
  prompt: LengthDistribution;
  output: LengthDistribution;
  seed: number;
  /** Seconds a client waits between a reply and its next request (0: none, as benchmark clients do). */
  thinkSeconds?: number;
  /** Requests to send in all (default: no limit; then the simulation needs an end time). */
  requests?: number;
}

/** What a simulation is fed: a table of arrivals drawn beforehand, or a closed loop. */
export type Workload = { kind: 'open'; requests: RequestTable } | ClosedLoop;

const positiveInteger = (x: number): boolean => Number.isInteger(x) && x >= 1;

/** Checks a length distribution; throws with the field named. */
export function checkLengths(field: string, d: LengthDistribution): void {
  const range = (min: number, max: number): boolean => positiveInteger(min) && positiveInteger(max) && min <= max;
  const ok =
    d.kind === 'fixed'
      ? positiveInteger(d.tokens)
      : d.kind === 'uniform'
        ? range(d.minTokens, d.maxTokens)
        : d.kind === 'normal'
          ? range(d.minTokens, d.maxTokens) && Number.isFinite(d.meanTokens) && d.sdTokens >= 0 && Number.isFinite(d.sdTokens)
          : d.tokens.length > 0 && d.tokens.every(positiveInteger);
  if (!ok) throw new RangeError(`${field}: lengths must be whole numbers of tokens >= 1 (${JSON.stringify(d)})`);
}

/** A sampler of one length distribution on a given generator. */
export function lengthSampler(d: LengthDistribution, rng: Rng): () => number {
  switch (d.kind) {
    case 'fixed':
      return () => d.tokens;
    case 'uniform': {
      const span = d.maxTokens - d.minTokens + 1;
      return () => d.minTokens + Math.floor(rng.next() * span);
    }
    case 'choice': {
      const list = d.tokens;
      return () => list[Math.floor(rng.next() * list.length)];
    }
    case 'normal': {
      const { meanTokens, sdTokens, minTokens, maxTokens } = d;
      return () => Math.min(maxTokens, Math.max(minTokens, Math.round(meanTokens + sdTokens * normal(rng))));
    }
  }
}

/** The shortest and longest length a distribution can draw (what per-request limits are checked against). */
export function lengthRange(d: LengthDistribution): { minTokens: number; maxTokens: number } {
  switch (d.kind) {
    case 'fixed':
      return { minTokens: d.tokens, maxTokens: d.tokens };
    case 'uniform':
    case 'normal':
      return { minTokens: d.minTokens, maxTokens: d.maxTokens };
    case 'choice':
      return { minTokens: d.tokens.reduce((a, b) => Math.min(a, b)), maxTokens: d.tokens.reduce((a, b) => Math.max(a, b)) };
  }
}

/** The mean length (for a normal, its mean before rounding and clamping). */
export function meanLength(d: LengthDistribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.tokens;
    case 'uniform':
      return (d.minTokens + d.maxTokens) / 2;
    case 'normal':
      return d.meanTokens;
    case 'choice':
      return d.tokens.reduce((a, b) => a + b, 0) / d.tokens.length;
  }
}

/** A standard normal draw (Box-Muller; one of the pair is dropped to keep the stream simple). */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** A gamma draw of the given shape and unit scale: Marsaglia and Tsang (2000), boosted below shape 1. */
export function gammaUnitScale(shape: number, rng: Rng): number {
  if (shape < 1) {
    // Gamma(k) = Gamma(k + 1) * U^(1/k) (Marsaglia and Tsang, section 6).
    return gammaUnitScale(shape + 1, rng) * Math.pow(1 - rng.next(), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

interface OpenStream extends StreamLimit {
  /** Mean requests per second (above 0). */
  ratePerSecond: number;
  prompt: LengthDistribution;
  output: LengthDistribution;
  seed: number;
}

function drawTable(s: OpenStream, gap: (rng: Rng) => number): RequestTable {
  if (!(s.ratePerSecond > 0) || !Number.isFinite(s.ratePerSecond)) throw new RangeError(`ratePerSecond: must be above 0 (got ${s.ratePerSecond})`);
  const duration = s.durationSeconds ?? Infinity;
  const limit = s.requests ?? Infinity;
  if (!Number.isFinite(duration) && !Number.isFinite(limit)) throw new RangeError('durationSeconds or requests: an open stream needs an end');
  if (limit !== Infinity && !(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`requests: must be a whole number >= 0 (got ${limit})`);
  checkLengths('prompt', s.prompt);
  checkLengths('output', s.output);
  // One generator for gaps and one for lengths, so changing a length distribution keeps the arrival times.
  const gapRng = seededRng(s.seed);
  const lenRng = seededRng((s.seed ^ 0x5bd1e995) >>> 0);
  const prompt = lengthSampler(s.prompt, lenRng);
  const output = lengthSampler(s.output, lenRng);
  let capacity = Number.isFinite(limit) ? limit : Math.ceil(duration * s.ratePerSecond * 1.1 + 16);
  let at = new Float64Array(capacity);
  let p = new Int32Array(capacity);
  let o = new Int32Array(capacity);
  let n = 0;
  let t = 0;
  while (n < limit) {
    t += gap(gapRng);
    if (t >= duration) break;
    if (n === capacity) {
      capacity *= 2;
      const a2 = new Float64Array(capacity);
      a2.set(at);
      at = a2;
      const p2 = new Int32Array(capacity);
      p2.set(p);
      p = p2;
      const o2 = new Int32Array(capacity);
      o2.set(o);
      o = o2;
    }
    at[n] = t;
    p[n] = prompt();
    o[n] = output();
    n++;
  }
  return { arrivalSeconds: at.slice(0, n), promptTokens: p.slice(0, n), outputTokens: o.slice(0, n) };
}

/** Poisson arrivals: exponential gaps at the given rate. */
export function poissonArrivals(s: OpenStream): RequestTable {
  const rate = s.ratePerSecond;
  return drawTable(s, (rng) => rng.exponential(rate));
}

/**
 * Bursty arrivals: gamma-distributed gaps with mean 1/rate and the given coefficient of variation
 * (1 is Poisson; above 1 is burstier, as production traces are).
 */
export function gammaArrivals(s: OpenStream & { cv: number }): RequestTable {
  if (!(s.cv > 0) || !Number.isFinite(s.cv)) throw new RangeError(`cv: the coefficient of variation must be above 0 (got ${s.cv})`);
  const shape = 1 / (s.cv * s.cv);
  const scale = 1 / (s.ratePerSecond * shape);
  return drawTable(s, (rng) => gammaUnitScale(shape, rng) * scale);
}

/** One row of a trace. */
export interface TraceRow {
  arrivalSeconds: number;
  promptTokens: number;
  outputTokens: number;
}

/** A trace as a request table, sorted by arrival (stable, so ties keep the trace's order). */
export function traceArrivals(rows: readonly TraceRow[]): RequestTable {
  rows.forEach((r, i) => {
    if (!(r.arrivalSeconds >= 0) || !Number.isFinite(r.arrivalSeconds)) throw new RangeError(`trace[${i}].arrivalSeconds: must be a time >= 0 (got ${r.arrivalSeconds})`);
    if (!positiveInteger(r.promptTokens)) throw new RangeError(`trace[${i}].promptTokens: must be a whole number >= 1 (got ${r.promptTokens})`);
    if (!positiveInteger(r.outputTokens)) throw new RangeError(`trace[${i}].outputTokens: must be a whole number >= 1 (got ${r.outputTokens})`);
  });
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].arrivalSeconds - rows[b].arrivalSeconds || a - b);
  return {
    arrivalSeconds: Float64Array.from(order, (i) => rows[i].arrivalSeconds),
    promptTokens: Int32Array.from(order, (i) => rows[i].promptTokens),
    outputTokens: Int32Array.from(order, (i) => rows[i].outputTokens),
  };
}
