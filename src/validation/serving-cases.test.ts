import { describe, expect, it } from 'vitest';
import { catalog } from '../../test/support/catalog.js';
import { parseServingCases, runServingCases } from './serving-cases.js';

// Three rows in the transcribed file's format (values from validation/serving-h100-agg.csv).
const CSV = `# comment lines are skipped
id,backend,preset,precision,isl,osl,concurrency,tp,ep,ttft_ms,tpot_ms
a,vllm,llama3.1-70b,fp8,1024,128,8,8,1,75.8,9.36
b,sglang,qwen3-32b,bf16,1024,128,16,2,1,840.8,16.54
c,trtllm,llama3.1-8b,bf16,512,128,4,1,1,30,
`;

describe('serving validation cases', () => {
  it('parses the transcribed rows, blanks as NaN', () => {
    const cases = parseServingCases(CSV);
    expect(cases).toHaveLength(3);
    expect(cases[0]).toMatchObject({ preset: 'llama3.1-70b', precision: 'fp8', isl: 1024, osl: 128, concurrency: 8, tp: 8, ttftMs: 75.8, tpotMs: 9.36 });
    expect(cases[2].tpotMs).toBeNaN();
  });

  it("puts each run beside serve's prediction, as reported (not bounded) rows with finite errors", () => {
    const r = runServingCases(parseServingCases(CSV), catalog, 'test');
    expect(r.refused).toEqual([]);
    expect(r.ttft).toHaveLength(3);
    // The third run has no measured TPOT: no row rather than a made-up one.
    expect(r.tpot).toHaveLength(2);
    for (const row of [...r.ttft, ...r.tpot]) {
      expect(row.bounded).toBe(false);
      expect(row.predicted).toBeGreaterThan(0);
      expect(Number.isFinite(row.error)).toBe(true);
      expect(row.error).toBeCloseTo(row.predicted / row.measured - 1, 12);
    }
  });
});
