import { describe, expect, it } from 'vitest';
import { ClusterTwinError } from '../errors.js';
import { MAX_TRACE_ROWS } from '../config/bounds.js';
import { parseTrace } from './trace-text.js';

/** The one-line message a bad trace gives, or '' when it parses. */
function errorOf(text: string, file = 't.csv'): string {
  try {
    parseTrace(text, file);
    return '';
  } catch (err) {
    expect(err).toBeInstanceOf(ClusterTwinError);
    expect((err as ClusterTwinError).path).toBe('trace');
    return (err as ClusterTwinError).detail;
  }
}

describe('trace files', () => {
  it('reads our columns in any order, with other columns, quotes, CRLF and a BOM', () => {
    const t = parseTrace('\ufeffuser,output_tokens,"arrival_s",prompt_tokens\r\na,5,0,100\r\n\r\nb,7,0.25,"200"\r\n', 't.csv');
    expect([...t.arrivalSeconds]).toEqual([0, 0.25]);
    expect([...t.promptTokens]).toEqual([100, 200]);
    expect([...t.outputTokens]).toEqual([5, 7]);
  });

  it("reads the Azure LLM inference traces' columns, timestamps as seconds after the earliest, 100 ns kept", () => {
    // The schema of Azure/AzurePublicDataset's AzureLLMInferenceTrace_{code,conv}.csv (values made up).
    const t = parseTrace('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,4808,10\n2023-11-16 18:17:04.0319601,3180,8\n2023-11-16 18:18:03.9799600,110,27\n', 'az.csv');
    expect(t.arrivalSeconds[0]).toBe(0);
    expect(t.arrivalSeconds[1]).toBeCloseTo(0.0520001, 6);
    expect(t.arrivalSeconds[2]).toBeCloseTo(60, 9);
    expect([...t.promptTokens]).toEqual([4808, 3180, 110]);
    expect([...t.outputTokens]).toEqual([10, 8, 27]);
    // Across midnight and a month's end.
    const m = parseTrace('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-30 23:59:59.5,1,1\n2023-12-01 00:00:00.5,1,1\n', 'az.csv');
    expect(m.arrivalSeconds[1]).toBeCloseTo(1, 9);
  });

  it('reads JSON lines with the same names', () => {
    const t = parseTrace('{"arrival_s": 1.5, "prompt_tokens": 10, "output_tokens": 3}\n{"TIMESTAMP_IGNORED": 1, "arrival_s": 0.5, "prompt_tokens": 20, "output_tokens": 4}\n', 't.jsonl');
    expect([...t.arrivalSeconds]).toEqual([0.5, 1.5]);
    expect([...t.promptTokens]).toEqual([20, 10]);
  });

  it('sorts by arrival, ties kept in file order', () => {
    const t = parseTrace('arrival_s,prompt_tokens,output_tokens\n2,1,1\n1,2,2\n1,3,3\n0,4,4\n', 't.csv');
    expect([...t.arrivalSeconds]).toEqual([0, 1, 1, 2]);
    expect([...t.promptTokens]).toEqual([4, 2, 3, 1]);
  });

  it.each([
    ['arrival_s,prompt_tokens,output_tokens\n0,10,5\n1.5,abc,5\n', 't.csv:3:5: prompt_tokens: expected a whole number of tokens'],
    ['arrival_s,prompt_tokens,output_tokens\n0,10,0\n', 't.csv:2:6: output_tokens: expected a whole number of tokens from 1'],
    ['arrival_s,prompt_tokens,output_tokens\n-1,10,5\n', 't.csv:2:1: arrival_s: expected seconds from the start, a number >= 0, got "-1"'],
    ['arrival_s,prompt_tokens,output_tokens\n,10,5\n', 't.csv:2:1: arrival_s'],
    ['arrival_s,prompt_tokens,output_tokens\n0,10\n', 't.csv:2: expected 3 comma-separated values, as the header has, got 2'],
    ['time,prompt_tokens,output_tokens\n0,10,5\n', 't.csv:1: the header needs the columns arrival_s, prompt_tokens, output_tokens'],
    ['TIMESTAMP,ContextTokens,GeneratedTokens\n11/16/2023 18:17,10,5\n', 't.csv:2:1: TIMESTAMP: expected a date-time such as'],
    ['TIMESTAMP,ContextTokens,GeneratedTokens\n2023-13-16 18:17:03,10,5\n', 't.csv:2:1: TIMESTAMP'],
    ['arrival_s,prompt_tokens,output_tokens\n', 't.csv:1: holds a header and no requests'],
    ['', 't.csv:1: holds no requests'],
    ['{"arrival_s": 0, "prompt_tokens": 1}\n', 't.csv:1:1: needs the key output_tokens'],
    ['{"arrival_s": 0, "prompt_tokens": 1, "output_tokens": 1}\n{"arrival_s": 0,\n', 't.csv:2:1: not a JSON object'],
    ['{"arrival_s": 0, "prompt_tokens": 1, "output_tokens": 1}\n{"TIMESTAMP": "2023-11-16 18:17:03", "prompt_tokens": 1, "output_tokens": 1}\n', 't.csv:2:1: mixes date-times'],
  ])('refuses a bad trace with one line naming the file, line and column: %j', (text, message) => {
    const e = errorOf(text);
    expect(e.startsWith(message), e).toBe(true);
    expect(e).not.toContain('\n');
  });

  it('takes at most its row limit (MAX_TRACE_ROWS by default), naming the line past it', () => {
    const rows = (n: number): string => 'arrival_s,prompt_tokens,output_tokens\n' + '0,1,1\n'.repeat(n);
    expect(parseTrace(rows(10), 't.csv', 10).arrivalSeconds.length).toBe(10);
    expect(() => parseTrace(rows(11), 't.csv', 10)).toThrow(/^trace: t\.csv:12: more than 10 requests/);
  });
});
