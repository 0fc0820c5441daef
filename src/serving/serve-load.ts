/**
 * `serve`'s load, resolved before the run: the request stream it feeds the simulation, and the
 * figures serve's checks need before any work starts (the longest request, for the context, the
 * KV budget and prefill-first's step limit; the expected requests and output tokens, for the
 * simulation's size bound).
 */
import { ClusterTwinError } from '../errors.js';
import { gammaArrivals, lengthRange, meanLength, poissonArrivals, type LengthDistribution, type RequestTable, type Workload } from './arrivals.js';

/** The load: clients in a closed loop (as serving benchmarks run), Poisson or gamma-burst arrivals at a rate, or a trace. */
export type ServeLoad =
  | { kind: 'closed'; concurrency: number; requests: number }
  | { kind: 'poisson'; ratePerSecond: number; durationSeconds: number }
  /** Gamma-distributed gaps between arrivals, mean 1/rate, coefficient of variation `cv` (their sd over their mean: 1 is Poisson, above 1 burstier, below 1 more even). */
  | { kind: 'gamma'; ratePerSecond: number; durationSeconds: number; cv: number }
  /** Each request as a trace gives it (its lengths too); `source` names it in the report. */
  | { kind: 'trace'; requests: RequestTable; source?: string };

/** The load as the report echoes it: a trace by its name and size, not its rows. */
export type ServeLoadReport = Exclude<ServeLoad, { kind: 'trace' }> | { kind: 'trace'; source: string; requests: number; lastArrivalSeconds: number };

/** Lengths as the report states them: the distribution asked for, or a trace's summary. */
export type LengthReport = LengthDistribution | { kind: 'trace'; meanTokens: number; minTokens: number; maxTokens: number };

/** Prompt and output lengths as `serve` takes them: fixed (`isl`, `osl`) or a distribution each. */
export interface LoadLengths {
  isl?: number;
  osl?: number;
  prompt?: LengthDistribution;
  output?: LengthDistribution;
}

export interface ResolvedLoad {
  /** The longest request, and the field to name when it does not fit. */
  longest: { promptTokens: number; outputTokens: number; requestTokens: number; field: string; words: string };
  /** Requests expected, their output tokens in all (mean x requests; a trace's exact sum), and the time arrivals span (0 for a closed loop). */
  expected: { requests: number; outputTokens: number; arrivalSeconds: number };
  prompt: LengthReport;
  output: LengthReport;
  /** Every request the same length: fixed lengths, or a trace whose rows all match. */
  sameLengths: boolean;
  report: ServeLoadReport;
  workload(seed: number): Workload;
}

const fmt = (x: number): string => x.toLocaleString('en-US');

function lengthOf(field: 'isl' | 'osl', fixed: number | undefined, d: LengthDistribution | undefined): LengthDistribution {
  if (fixed !== undefined && d !== undefined) throw new ClusterTwinError('invalid_value', field, `give the fixed length or the distribution (${field === 'isl' ? 'prompt' : 'output'}), not both`);
  if (d !== undefined) return d;
  if (fixed === undefined) throw new ClusterTwinError('invalid_value', field, 'a length is needed (a number of tokens or a distribution)');
  return { kind: 'fixed', tokens: fixed };
}

type TraceLengths = Extract<LengthReport, { kind: 'trace' }>;

function traceLengths(a: Int32Array): TraceLengths {
  let min = Infinity;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
    sum += a[i];
  }
  return { kind: 'trace', meanTokens: sum / a.length, minTokens: min, maxTokens: max };
}

export function resolveLoad(load: ServeLoad, lengths: LoadLengths): ResolvedLoad {
  if (load.kind === 'trace') {
    if (lengths.isl !== undefined || lengths.prompt !== undefined) throw new ClusterTwinError('invalid_value', 'isl', 'a trace gives each request its prompt length; leave the length out');
    if (lengths.osl !== undefined || lengths.output !== undefined) throw new ClusterTwinError('invalid_value', 'osl', 'a trace gives each request its output length; leave the length out');
    const t = load.requests;
    const n = t.arrivalSeconds.length;
    if (n === 0) throw new ClusterTwinError('invalid_value', 'trace', 'holds no requests');
    let row = 0;
    let outputTokens = 0;
    for (let i = 0; i < n; i++) {
      outputTokens += t.outputTokens[i];
      if (t.promptTokens[i] + t.outputTokens[i] > t.promptTokens[row] + t.outputTokens[row]) row = i;
    }
    const prompt = traceLengths(t.promptTokens);
    const output = traceLengths(t.outputTokens);
    const longestPrompt = prompt.maxTokens;
    const source = load.source ?? 'trace';
    return {
      // Per-request limits: the largest prompt + output of any one request, and the largest prompt.
      longest: { promptTokens: longestPrompt, outputTokens: t.outputTokens[row], requestTokens: t.promptTokens[row] + t.outputTokens[row], field: 'trace', words: `the trace's largest request (${fmt(t.promptTokens[row])} prompt + ${fmt(t.outputTokens[row])} output tokens, arriving at ${t.arrivalSeconds[row].toFixed(3)} s)` },
      expected: { requests: n, outputTokens, arrivalSeconds: t.arrivalSeconds[n - 1] },
      prompt,
      output,
      sameLengths: prompt.minTokens === prompt.maxTokens && output.minTokens === output.maxTokens,
      report: { kind: 'trace', source, requests: n, lastArrivalSeconds: t.arrivalSeconds[n - 1] },
      workload: () => ({ kind: 'open', requests: t }),
    };
  }
  const prompt = lengthOf('isl', lengths.isl, lengths.prompt);
  const output = lengthOf('osl', lengths.osl, lengths.output);
  const p = lengthRange(prompt).maxTokens;
  const o = lengthRange(output).maxTokens;
  const fixed = prompt.kind === 'fixed' && output.kind === 'fixed';
  const requests = load.kind === 'closed' ? load.requests : load.ratePerSecond * load.durationSeconds;
  return {
    // Prompt and output are drawn apart, so the longest request is the longest of each.
    // The field named is the one that varies (the prompt's when both do or neither does).
    longest: { promptTokens: p, outputTokens: o, requestTokens: p + o, field: prompt.kind === 'fixed' && output.kind !== 'fixed' ? 'osl' : 'isl', words: fixed ? `a request of ${p} + ${o} tokens` : `the longest request the lengths allow (${fmt(p)} prompt + ${fmt(o)} output tokens)` },
    expected: { requests, outputTokens: requests * meanLength(output), arrivalSeconds: load.kind === 'closed' ? 0 : load.durationSeconds },
    prompt,
    output,
    sameLengths: lengthRange(prompt).minTokens === p && lengthRange(output).minTokens === o,
    report: load,
    workload: (seed) => {
      if (load.kind === 'closed') return { kind: 'closed', concurrency: load.concurrency, prompt, output, seed, requests: load.requests };
      const stream = { ratePerSecond: load.ratePerSecond, durationSeconds: load.durationSeconds, prompt, output, seed };
      // A CV of 1 is the Poisson process itself: the same stream as asking for Poisson.
      return { kind: 'open', requests: load.kind === 'gamma' && load.cv !== 1 ? gammaArrivals({ ...stream, cv: load.cv }) : poissonArrivals(stream) };
    },
  };
}

/** The load before distributions, bursts and traces: fixed lengths, a closed loop or Poisson. */
export interface FixedLoad {
  isl: number;
  osl: number;
  load: Extract<ServeLoad, { kind: 'closed' | 'poisson' }>;
}

/**
 * Refuses, naming the field, what a caller that takes only fixed lengths and a closed or Poisson
 * load cannot run (`who`: "disaggregated pools"); past it, `x` has that shape.
 */
export function assertFixedLoad<T extends LoadLengths & { load: ServeLoad; prefixCaching?: boolean }>(x: T, who: string): asserts x is T & FixedLoad {
  const refuse = (field: string, what: string): never => {
    throw new ClusterTwinError('unsupported', field, `${who} take ${what} for now`);
  };
  if (x.load.kind === 'trace') refuse('trace', 'Poisson or closed-loop arrivals');
  if (x.load.kind === 'gamma') refuse('burstiness', 'Poisson or closed-loop arrivals');
  if (x.prompt !== undefined || x.isl === undefined) refuse('isl', 'a fixed prompt length');
  if (x.output !== undefined || x.osl === undefined) refuse('osl', 'a fixed output length');
  if (x.prefixCaching) refuse('prefixCache', 'no prefix caching');
}
