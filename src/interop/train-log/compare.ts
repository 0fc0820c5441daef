/**
 * A logged run beside the twin's prediction of the same configuration: the measured step time (and
 * tokens per second per GPU) after warm-up, as median and p10-p90, the twin's figure, its error and
 * whether the measurement falls in the 80% interval the twin states (validation/interval.ts).
 */
import type { StatedInterval } from '../../validation/interval.js';
import { afterWarmup, spread, type Spread, type TrainLog } from './parse.js';

/** What the twin predicted for the scenario, and the interval it states on the step time. */
export interface TwinPrediction {
  stepTimeSeconds: number;
  gpus: number;
  /** The scenario's global batch (sequences) and sequence length: tokens per step = gbs x seq. */
  gbs: number;
  seq: number;
  stepTimeInterval: StatedInterval;
}

export interface ComparedFigure {
  what: 'stepTimeSeconds' | 'tokensPerSecondPerGpu';
  /** How the measurement was read: from the log directly, or converted with the scenario's tokens per step. */
  source: 'log' | 'log and scenario tokens per step';
  measured: Spread;
  predicted: number;
  /** predicted / measured median - 1 (the suite's sign: positive when the twin says slower for a time). */
  error: number;
  interval: { low: number; high: number; coverage: number };
  /** Whether the measured median falls in the stated interval. */
  inInterval: boolean;
}

export interface LogComparison {
  file: string;
  format: TrainLog['format'];
  records: number;
  skipped: number;
  /** First and last step of the records kept. */
  steps: [number, number];
  figures: ComparedFigure[];
  intervalBasis: string;
  notes: string[];
}

export function compareLog(log: TrainLog, skip: number, twin: TwinPrediction): LogComparison {
  const kept = afterWarmup(log, skip);
  const tokensPerStep = twin.gbs * twin.seq;
  const notes: string[] = [];
  const times =
    log.format === 'megatron'
      ? kept.map((r) => r.stepTimeSeconds!)
      : kept.map((r) => tokensPerStep / (r.tokensPerSecondPerGpu! * twin.gpus));
  const tps =
    log.format === 'torchtitan'
      ? kept.map((r) => r.tokensPerSecondPerGpu!)
      : kept.map((r) => ((r.globalBatchSize ?? twin.gbs) * (log.seqLength ?? twin.seq)) / r.stepTimeSeconds! / twin.gpus);
  if (log.format === 'megatron') {
    const sizes = [...new Set(kept.map((r) => r.globalBatchSize).filter((x) => x !== undefined))];
    if (sizes.length > 1) notes.push(`the log's global batch size changes (${sizes.join(', ')}: batch ramp-up?); the twin's step is for ${twin.gbs}`);
    else if (sizes.length === 1 && sizes[0] !== twin.gbs) notes.push(`the log's global batch size is ${sizes[0]} but the scenario's is ${twin.gbs}: not the same step (give --gbs ${sizes[0]})`);
    if (log.seqLength !== undefined && log.seqLength !== twin.seq) notes.push(`the log's seq_length is ${log.seqLength} but the scenario's is ${twin.seq} (give --seq ${log.seqLength})`);
  } else {
    notes.push(`torchtitan logs tokens per second per GPU, not step times: the step time is the scenario's ${tokensPerStep.toLocaleString('en-US')} tokens per step over tps x ${twin.gpus} GPUs`);
  }
  const i = twin.stepTimeInterval;
  const time = spread(times);
  const rate = spread(tps);
  const predictedRate = tokensPerStep / twin.stepTimeSeconds / twin.gpus;
  const figures: ComparedFigure[] = [
    {
      what: 'stepTimeSeconds',
      source: log.format === 'megatron' ? 'log' : 'log and scenario tokens per step',
      measured: time,
      predicted: twin.stepTimeSeconds,
      error: twin.stepTimeSeconds / time.median - 1,
      interval: { low: i.low, high: i.high, coverage: i.coverage },
      inInterval: time.median >= i.low && time.median <= i.high,
    },
    {
      what: 'tokensPerSecondPerGpu',
      source: log.format === 'torchtitan' ? 'log' : 'log and scenario tokens per step',
      measured: rate,
      predicted: predictedRate,
      error: predictedRate / rate.median - 1,
      // The same interval, in tokens per second: a longer step is a lower rate.
      interval: { low: tokensPerStep / i.high / twin.gpus, high: tokensPerStep / i.low / twin.gpus, coverage: i.coverage },
      inInterval: rate.median >= tokensPerStep / i.high / twin.gpus && rate.median <= tokensPerStep / i.low / twin.gpus,
    },
  ];
  return { file: log.file, format: log.format, records: log.records.length, skipped: skip, steps: [kept[0].step, kept[kept.length - 1].step], figures, intervalBasis: i.basis, notes };
}
