import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { loadValidationData } from '../node/validation-data.js';
import { runValidation } from './run-validation.js';
import { accuracyFor, accuracySentence, accuracyTable, type AccuracyEntry } from './accuracy.js';
import { accuracyModule } from './accuracy-module.js';
import { ACCURACY } from './accuracy-table.js';

describe('stated accuracy', () => {
  it('is what the validation suite gives today (run `npm run accuracy` when figures move)', () => {
    const table = accuracyTable(runValidation(loadValidationData(), catalog));
    const checkedIn = readFileSync(new URL('./accuracy-table.ts', import.meta.url), 'utf8');
    expect(checkedIn).toBe(accuracyModule(table));
    // Every training run of the suite counts once, under its GPU and precision.
    expect(table.reduce((n, e) => n + e.runs, 0)).toBeGreaterThan(50);
  });
  it('lets bf16 and fp16 runs speak for each other, and fp8 only for fp8', () => {
    const a100 = accuracyFor(ACCURACY, 'a100-sxm-80g', 'bf16');
    expect(a100).toBeDefined();
    expect(accuracyFor(ACCURACY, 'a100-sxm-80g', 'fp16')).toBe(a100);
    expect(accuracyFor(ACCURACY, 'a100-sxm-80g', 'fp8')).toBeUndefined();
    expect(accuracyFor(ACCURACY, 'v100-sxm2-32g', 'fp16')).toBeUndefined();
  });
  it('keeps the record of fused-kernel stacks apart from eager PyTorch stacks', () => {
    const fused = accuracyFor(ACCURACY, 'h100-sxm-80g', 'bf16', 'fused');
    const eager = accuracyFor(ACCURACY, 'h100-sxm-80g', 'bf16', 'eager');
    expect(fused?.groups).toContain('megatron-core-h100');
    for (const g of ['mosaicml-fsdp', 'mosaicml-fsdp-1node']) expect(fused?.groups).not.toContain(g);
    expect(eager?.groups).toEqual(['mosaicml-fsdp', 'mosaicml-fsdp-1node']);
    expect(accuracyFor(ACCURACY, 'h100-sxm-80g', 'bf16')).toBe(fused);
  });
  it('says plainly when a prediction is unchecked, and which way the twin leans', () => {
    expect(accuracySentence(undefined, 'NVIDIA V100', 'fp16')).toMatch(/no published run on NVIDIA V100 in fp16 with fused kernels.*unchecked/);
    const fast: AccuracyEntry = { gpu: 'g', precision: '16-bit', kernels: 'fused', moe: false, runs: 3, medianAbsError: 0.1, worstAbsError: 0.2, meanError: 0.08, groups: ['x'] };
    expect(accuracySentence(fast, 'G', 'bf16')).toBe('3 published 16-bit runs on this GPU with fused kernels in the validation suite: median |error| 10.0%, worst 20.0% (mean +8.0%, the twin running fast on average)');
  });
});
