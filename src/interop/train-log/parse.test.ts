import { describe, expect, it } from 'vitest';
import { afterWarmup, parseTrainLog, spread } from './parse.js';

// Megatron-LM's training_log line (megatron/training/training.py @d98e8a64), with and without the timestamp older releases lack.
const mline = (it: number, ms: number, gbs = 128, stamp = true) =>
  `${stamp ? ' [2026-11-01 10:00:00.000000]' : ''} iteration ${String(it).padStart(8)}/${String(500000).padStart(8)} | consumed samples: ${String(it * gbs).padStart(12)} | elapsed time per iteration (ms): ${ms.toFixed(1)} | throughput per GPU (TFLOP/s/GPU): 401.2 | learning rate: 1.000000E-04 | global batch size: ${String(gbs).padStart(5)} | lm loss: 7.000000E+00 | loss scale: 1.0 | grad norm: 1.000 | number of skipped iterations:   0 | number of nan iterations:   0 |`;
// torchtitan's MetricsProcessor.log line (torchtitan/components/metrics.py @b5bcd76c), coloured.
const tline = (step: number, tps: string, word = 'tps') =>
  `[rank0]:[titan] 2026-11-01 10:00:00,000 - root - INFO - \x1b[31mstep: ${String(step).padStart(2)}  \x1b[32mloss:  7.12345  \x1b[33mgrad_norm:  1.2345  \x1b[36mmemory: 30.12GiB(38.02%)  \x1b[34m${word}: ${tps}  \x1b[36mtflops: 350.12  \x1b[35mmfu: 35.40%\x1b[39m`;

describe('parseTrainLog', () => {
  it('reads Megatron-LM iteration lines, its train_iters and the seq_length of its argument dump', () => {
    const log = parseTrainLog(['  seq_length ...................................... 4096', mline(1, 9000), mline(2, 1234.5, 128, false)].join('\n'), 'm.log');
    expect(log).toMatchObject({ format: 'megatron', trainIters: 500000, seqLength: 4096 });
    expect(log.records).toEqual([
      { line: 2, step: 1, stepTimeSeconds: 9, tflopsPerGpu: 401.2, globalBatchSize: 128 },
      { line: 3, step: 2, stepTimeSeconds: 1.2345, tflopsPerGpu: 401.2, globalBatchSize: 128 },
    ]);
  });

  it('reads torchtitan step lines through their colours, with tps (or wps, before late 2024) and thousands separators', () => {
    const log = parseTrainLog([tline(1, '1,203'), 'other output', tline(10, '6,010'), tline(20, '12,345', 'wps')].join('\n'), 't.log');
    expect(log.format).toBe('torchtitan');
    expect(log.records.map((r) => [r.step, r.tokensPerSecondPerGpu, r.tflopsPerGpu])).toEqual([[1, 1203, 350.12], [10, 6010, 350.12], [20, 12345, 350.12]]);
  });

  it.each([
    ['no step lines', 'hello', /^x: no step times found/],
    ['an iteration line without its time', ' iteration       10/     100 | consumed samples: 1280 | lm loss: 1 |', /^x:1: a Megatron-LM iteration line without "elapsed time per iteration/],
    ['a zero time', mline(3, 0), /^x:1: elapsed time per iteration must be above 0 ms/],
    ['a torchtitan line without tps', tline(10, '6,010').replace(/tps: 6,010/, ''), /^x:1: a torchtitan step line without "tps: N"/],
  ])('refuses %s with an error naming the file and line', (_, text, message) => {
    expect(() => parseTrainLog(text, 'x')).toThrow(message);
  });

  it('takes the format it is told, and skips warm-up lines, never all of them', () => {
    const text = [mline(1, 9000), tline(1, '100'), tline(10, '200')].join('\n');
    expect(parseTrainLog(text, 'x').format).toBe('torchtitan');
    expect(parseTrainLog(text, 'x', 'megatron').records).toHaveLength(1);
    const log = parseTrainLog([1, 2, 3, 4].map((i) => mline(i, 1000 + i)).join('\n'), 'x');
    expect(afterWarmup(log, 3).map((r) => r.step)).toEqual([4]);
    expect(() => afterWarmup(log, 4)).toThrow(/^--skip: the log has 4 step line\(s\); skipping 4 as warm-up leaves none/);
  });

  it('gives the median and the 10th/90th percentiles as numpy does', () => {
    expect(spread([5, 1, 3, 2, 4])).toEqual({ median: 3, p10: 1.4, p90: 4.6 });
    expect(spread([7])).toEqual({ median: 7, p10: 7, p90: 7 });
  });
});
