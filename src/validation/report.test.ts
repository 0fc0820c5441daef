import { describe, expect, it } from 'vitest';
import { group, report, speedError, type ValidationRow } from './report.js';

const row = (metric: string, error: number, over: Partial<ValidationRow> = {}): ValidationRow => ({
  id: 'r',
  config: 'c',
  metric,
  unit: 'u',
  measured: 1,
  predicted: 1 + error,
  error,
  bounded: true,
  source: 'a source',
  ...over,
});

describe('validation report', () => {
  it('reads every row\'s error as speed: above zero, the twin runs faster than the measurement', () => {
    expect(speedError(row('tokensPerSecondPerGpu', 0.1))).toBeCloseTo(0.1, 12);
    // A step predicted 10% longer is a twin running 1/1.1 as fast.
    expect(speedError(row('stepTimeSeconds', 0.1))).toBeCloseTo(1 / 1.1 - 1, 12);
    expect(speedError(row('stepTimeSeconds', -0.2))).toBeCloseTo(0.25, 12);
  });
  it('groups bounded training time rows by GPU and software year, with the signed mean as speed', () => {
    const rep = report([
      group('a', 'd', [
        row('stepTimeSeconds', 0.1, { gpu: 'g1', softwareYear: 2022 }),
        row('tokensPerSecondPerGpu', 0.3, { gpu: 'g1', softwareYear: 2022 }),
        row('tokensPerSecondPerGpu', 0.2, { gpu: 'g1', softwareYear: 2021 }),
        row('tokensPerSecondPerGpu', 0.9, { gpu: 'g1', softwareYear: 2021, bounded: false }),
        row('allocatedMemoryGiB', 0.05, { gpu: 'g1', softwareYear: 2021 }),
        row('busbw', 0.01),
      ]),
    ]);
    expect(rep.byGpuAndYear.map((c) => [c.gpu, c.softwareYear, c.stats.cases])).toEqual([
      ['g1', 2021, 1],
      ['g1', 2022, 2],
    ]);
    const y2022 = rep.byGpuAndYear[1];
    expect(y2022.stats.worstAbsError).toBeCloseTo(0.3, 12);
    expect(y2022.meanError).toBeCloseTo((1 / 1.1 - 1 + 0.3) / 2, 12);
  });
});
