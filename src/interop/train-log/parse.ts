/**
 * Reads the step times a training run logged: Megatron-LM's and torchtitan's own log lines.
 *
 * Megatron-LM (megatron/training/training.py training_log, NVIDIA/Megatron-LM @d98e8a64; older
 * releases print the same line without the leading timestamp), one line per --log-interval steps,
 * each the mean over those steps:
 *
 *    [2026-08-01 12:00:00.000000] iteration       10/  500000 | consumed samples:         1280 |
 *    elapsed time per iteration (ms): 1234.5 | throughput per GPU (TFLOP/s/GPU): 400.1 | ...
 *    | global batch size:   128 | lm loss: ... |
 *
 * and, once at start, the argument dump (`  seq_length ........ 4096`), from which tokens per step
 * are known when it is in the log.
 *
 * torchtitan (torchtitan/components/metrics.py MetricsProcessor.log, pytorch/torchtitan @b5bcd76c),
 * one line per --metrics.log_freq steps, ANSI-coloured:
 *
 *    step: 10  loss:  7.12345  grad_norm:  1.2345  memory: 30.12GiB(38.02%)  tps: 6,123  tflops: 350.12  mfu: 35.40%
 *
 * where tps is tokens per second per device (tokens since the last line over the time since it and
 * the non-data-parallel degree, so tps x GPUs is the job's tokens per second). It logs no step time:
 * the step time is the scenario's tokens per step over that. Releases before late 2024 printed `wps`.
 * Pure: no file system.
 */
import { invalid } from '../../errors.js';

export const TRAIN_LOG_FORMATS = ['megatron', 'torchtitan'] as const;
export type TrainLogFormat = (typeof TRAIN_LOG_FORMATS)[number];

/** One logged line: a step and what it measured (a mean over the steps since the previous line). */
export interface TrainLogRecord {
  /** Line in the file (1-based). */
  line: number;
  step: number;
  /** Megatron-LM: elapsed time per iteration. */
  stepTimeSeconds?: number;
  /** torchtitan: tokens per second per GPU (tps). */
  tokensPerSecondPerGpu?: number;
  /** As the framework counts it (Megatron-LM's or torchtitan's own FLOP formula). */
  tflopsPerGpu?: number;
  /** Megatron-LM: global batch size, sequences. */
  globalBatchSize?: number;
}

export interface TrainLog {
  file: string;
  format: TrainLogFormat;
  records: TrainLogRecord[];
  /** Megatron-LM's train_iters (the `/ N` of its iteration lines). */
  trainIters?: number;
  /** Megatron-LM's seq_length from its argument dump, when the log has it. */
  seqLength?: number;
}

const ANSI = /\x1b\[[0-9;]*m/g;
const MEGATRON = /\biteration\s+(\d+)\s*\/\s*(\d+)\s*\|/;
const MEGATRON_TIME = /elapsed time per iteration \(ms\):\s*([0-9.]+(?:e[-+]?\d+)?)/i;
const MEGATRON_TFLOPS = /throughput per GPU \(TFLOP\/s\/GPU\):\s*([0-9.]+)/;
const MEGATRON_GBS = /global batch size:\s*(\d+)/;
const MEGATRON_SEQ = /^\s*seq_length\s*\.{3,}\s*(\d+)\s*$/;
const TITAN = /\bstep:\s*(\d+)\s+loss:/;
const TITAN_TPS = /\b[tw]ps:\s*([0-9][0-9,]*(?:\.\d+)?)/;
const TITAN_TFLOPS = /\btflops:\s*([0-9][0-9,]*(?:\.\d+)?)/;

const num = (s: string): number => Number(s.replace(/,/g, ''));

/** Every step record of a Megatron-LM or torchtitan log (the format found by its lines, or as given). */
export function parseTrainLog(text: string, file = 'log', format?: TrainLogFormat): TrainLog {
  const lines = text.split(/\r?\n/);
  const megatron: TrainLogRecord[] = [];
  const titan: TrainLogRecord[] = [];
  let trainIters: number | undefined;
  let seqLength: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].replace(ANSI, '');
    const at = `${file}:${i + 1}`;
    const seq = MEGATRON_SEQ.exec(l);
    if (seq) seqLength = Number(seq[1]);
    const m = MEGATRON.exec(l);
    if (m) {
      const t = MEGATRON_TIME.exec(l);
      if (!t) throw invalid(at, 'a Megatron-LM iteration line without "elapsed time per iteration (ms): X"');
      const ms = Number(t[1]);
      if (!(ms > 0)) throw invalid(at, `elapsed time per iteration must be above 0 ms, got ${t[1]}`);
      const rec: TrainLogRecord = { line: i + 1, step: Number(m[1]), stepTimeSeconds: ms / 1e3 };
      const tf = MEGATRON_TFLOPS.exec(l);
      if (tf) rec.tflopsPerGpu = Number(tf[1]);
      const g = MEGATRON_GBS.exec(l);
      if (g) rec.globalBatchSize = Number(g[1]);
      trainIters = Number(m[2]);
      megatron.push(rec);
      continue;
    }
    const s = TITAN.exec(l);
    if (s) {
      const tps = TITAN_TPS.exec(l);
      if (!tps) throw invalid(at, 'a torchtitan step line without "tps: N" (tokens per second per GPU)');
      const v = num(tps[1]);
      if (!(v > 0)) throw invalid(at, `tps must be above 0, got ${tps[1]}`);
      const rec: TrainLogRecord = { line: i + 1, step: Number(s[1]), tokensPerSecondPerGpu: v };
      const tf = TITAN_TFLOPS.exec(l);
      if (tf) rec.tflopsPerGpu = num(tf[1]);
      titan.push(rec);
    }
  }
  const chosen: TrainLogFormat | undefined = format ?? (megatron.length >= titan.length ? (megatron.length ? 'megatron' : undefined) : 'torchtitan');
  const records = chosen === 'megatron' ? megatron : chosen === 'torchtitan' ? titan : [];
  if (!chosen || records.length === 0) {
    throw invalid(
      file,
      format
        ? `no ${format} step lines found`
        : 'no step times found: expected Megatron-LM\'s " iteration N/M | ... elapsed time per iteration (ms): X |" lines or torchtitan\'s "step: N  loss: ...  tps: N ..." lines',
    );
  }
  const log: TrainLog = { file, format: chosen, records };
  if (chosen === 'megatron') {
    if (trainIters !== undefined) log.trainIters = trainIters;
    if (seqLength !== undefined) log.seqLength = seqLength;
  }
  return log;
}

/** Median and 10th/90th percentiles (linear between order statistics, as numpy's default). */
export interface Spread {
  median: number;
  p10: number;
  p90: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number) => {
    const x = p * (v.length - 1);
    const lo = Math.floor(x);
    const hi = Math.min(lo + 1, v.length - 1);
    return v[lo] + (v[hi] - v[lo]) * (x - lo);
  };
  return { median: q(0.5), p10: q(0.1), p90: q(0.9) };
}

/**
 * Logged lines dropped from the start by default: the first carries initialisation and compilation,
 * the next ones the allocator's and NCCL's warm-up (with --log-interval 1 these are steps 1-3;
 * with a longer interval, the first lines average the warm-up in).
 */
export const DEFAULT_WARMUP_RECORDS = 3;

/** The records kept after dropping `skip` from the start (at least one must stay). */
export function afterWarmup(log: TrainLog, skip: number, flag = '--skip'): TrainLogRecord[] {
  if (skip >= log.records.length) {
    throw invalid(flag, `the log has ${log.records.length} step line(s); skipping ${skip} as warm-up leaves none (give a smaller --skip)`);
  }
  return log.records.slice(skip);
}
