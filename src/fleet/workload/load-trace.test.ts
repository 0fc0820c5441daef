import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterTwinError } from '../../errors.js';
import { readCsv } from './csv.js';
import { detectTraceFormat, loadTrace } from './load-trace.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/traces');
const fixture = (name: string): [string, string] => [name, readFileSync(join(FIXTURES, name), 'utf8')];

function error(f: () => unknown): ClusterTwinError {
  try {
    f();
  } catch (e) {
    if (e instanceof ClusterTwinError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('loadTrace on the sample of each format', () => {
  it('reads clustertwin CSV: quoted fields, a training row with scenario keys, defaults', () => {
    const [path, text] = fixture('clustertwin.csv');
    expect(detectTraceFormat(path, text)).toBe('clustertwin-csv');
    const jobs = loadTrace(path, text);
    expect(jobs.map((j) => j.id)).toEqual(['a1', 'a3, spot', 'a2', 'a4']);
    expect(jobs[1]).toEqual({ id: 'a3, spot', submitSeconds: 60, gpus: 8, durationSeconds: 900, priority: 'spot', tenant: 'team "c"', traceState: 'cancelled' });
    expect(jobs[2].training).toEqual({ scenario: { model: 'llama3-8b', tp: 2, pp: 1, gpus: 16 }, tokens: 1e9 });
    expect(jobs[2].traceState).toBeUndefined();
    expect(jobs[3].priority).toBe('normal');
  });

  it('reads clustertwin JSON lines with ISO times made relative to the first, a scenario object, blank lines', () => {
    const [path, text] = fixture('clustertwin.jsonl');
    expect(detectTraceFormat(path, text)).toBe('clustertwin-jsonl');
    const jobs = loadTrace(path, text);
    expect(jobs.map((j) => [j.id, j.submitSeconds])).toEqual([['j2', 0], ['j1', 3600], ['j3', 3.5 * 3600]]);
    expect(jobs[0].training).toEqual({ scenario: { tp: 8, pp: 8, sp: true, model: 'gpt3-175b', gpus: 1024 }, tokens: 3e11 });
    expect(jobs[0].priority).toBe('high');
  });

  it("reads Acme's Seren trace: +08:00 times, NODE_FAIL as failed, CPU jobs dropped, the user as tenant", () => {
    const [path, text] = fixture('acme-seren.csv');
    expect(detectTraceFormat(path, text)).toBe('acme');
    const jobs = loadTrace(path, text);
    expect(jobs.map((j) => [j.id, j.submitSeconds, j.gpus, j.durationSeconds, j.traceState, j.tenant])).toEqual([
      ['6100003', 0, 1, 45, 'failed', 'u0002'],
      ['6100001', 60, 8, 3600, 'completed', 'u0001'],
      ['6100004', 360, 32, 7200, 'cancelled', 'u0003'],
      ['6100005', 660, 8, 600, 'failed', 'u0001'],
    ]);
  });

  it("reads Acme's Kalos trace with its extra columns (empty fail_time and stop_time)", () => {
    const [path, text] = fixture('acme-kalos.csv');
    expect(detectTraceFormat(path, text)).toBe('acme');
    expect(loadTrace(path, text).map((j) => [j.id, j.submitSeconds, j.gpus, j.durationSeconds, j.traceState])).toEqual([
      ['dlcaaaa0003', 0, 16, 600, 'cancelled'],
      ['dlcaaaa0001', 900, 128, 86400, 'completed'],
      ['dlcaaaa0002', 2700, 8, 40, 'failed'],
    ]);
  });

  it("reads Helios's cluster_log.csv: the VC as tenant, TIMEOUT as failed, times without an offset", () => {
    const [path, text] = fixture('helios-cluster_log.csv');
    expect(detectTraceFormat(path, text)).toBe('helios');
    expect(loadTrace(path, text).map((j) => [j.id, j.submitSeconds, j.gpus, j.durationSeconds, j.traceState, j.tenant])).toEqual([
      ['2000001', 0, 1, 3600, 'completed', 'vcAa1'],
      ['2000003', 60, 8, 86400, 'failed', 'vcBb2'],
      ['2000004', 120, 16, 600, 'cancelled', 'vcAa1'],
    ]);
  });

  it("reads Philly's cluster_job_log: attempts summed, the widest attempt's GPUs, unfinished and unstarted jobs dropped", () => {
    const [path, text] = fixture('philly-cluster_job_log.json');
    expect(detectTraceFormat(path, text)).toBe('philly');
    expect(loadTrace(path, text).map((j) => [j.id.slice(-4), j.submitSeconds, j.gpus, j.durationSeconds, j.traceState, j.tenant])).toEqual([
      ['0002', 0, 1, 300, 'cancelled', '0f0f0f'],
      ['0001', 1800, 16, 600 + 3600, 'completed', 'a1b2c3'],
      ['0005', 5340, 2, 40, 'failed', '0f0f0f'],
    ]);
  });

  it('reads the same Philly jobs from JSON lines', () => {
    const [, text] = fixture('philly-cluster_job_log.json');
    const lines = (JSON.parse(text) as unknown[]).map((o) => JSON.stringify(o)).join('\n');
    expect(loadTrace('log.jsonl', lines)).toEqual(loadTrace('log.json', text));
  });
});

describe('loadTrace on bad input names the file, line and field, and what is allowed', () => {
  const csv = 'id,submit,gpus,duration_seconds,priority,state\n';
  it.each([
    [csv + 'a,0,8,60,,\nb,5,0,60,,\n', 't.csv:3:gpus', /whole number >= 1; got "0"/],
    [csv + 'a,0,eight,60,,\n', 't.csv:2:gpus', /got "eight"/],
    [csv + 'a,0,8,,,\n', 't.csv:2:duration_seconds', /required unless the row is a training job/],
    [csv + 'a,0,8,-5,,\n', 't.csv:2:duration_seconds', /number >= 0/],
    [csv + 'a,0,8,60,urgent,\n', 't.csv:2:priority', /one of spot, normal, high; got "urgent"/],
    [csv + 'a,0,8,60,,done\n', 't.csv:2:state', /one of completed, cancelled, failed/],
    [csv + 'a,,8,60,,\n', 't.csv:2:submit', /required/],
    [csv + 'a,0,8,60,,\nb,2026-01-01T00:00:00Z,8,60,,\n', 't.csv:3:submit', /seconds like line 2/],
    [csv + 'a,0,8\n', 't.csv:2', /has 3 fields; the header has 6/],
    ['id,submit,gpus,model\na,0,8,llama3-8b\n', 't.csv:2:tokens', /required for a training job/],
  ])('%#', (text, path, detail) => {
    const e = error(() => loadTrace('t.csv', text));
    expect(e.path).toBe(path);
    expect(e.detail).toMatch(detail);
  });

  it('names the Acme field and the Slurm states it reads', () => {
    const [, text] = fixture('acme-seren.csv');
    const e = error(() => loadTrace('seren.csv', text.replace('CANCELLED', 'RUNNING')));
    expect(e.path).toBe('seren.csv:5:state');
    expect(e.detail).toMatch(/COMPLETED, CANCELLED, FAILED, TIMEOUT, NODE_FAIL/);
    const t = error(() => loadTrace('seren.csv', text.replace('2023-04-02 10:05:00+08:00', 'yesterday')));
    expect(t.path).toBe('seren.csv:5:submit_time');
    expect(t.detail).toMatch(/ISO 8601/);
  });

  it("names the line the Philly job starts on, and the field", () => {
    const [, text] = fixture('philly-cluster_job_log.json');
    const e = error(() => loadTrace('log.json', text.replace('"Killed"', '"Gone"')));
    expect(e.path).toBe('log.json:21:status');
    expect(e.detail).toMatch(/Pass, Killed, Failed/);
  });

  it('refuses an unknown header, an empty file, and broken JSON', () => {
    expect(error(() => loadTrace('x.csv', 'a,b,c\n1,2,3\n')).detail).toMatch(/no trace format/);
    expect(error(() => loadTrace('x.csv', '')).detail).toMatch(/empty/);
    expect(error(() => loadTrace('x.jsonl', '{"submit": 0, "gpus": 8, "duration_seconds": 1}\n{oops\n')).path).toBe('x.jsonl:2');
  });
});

describe('readCsv', () => {
  it('reads RFC 4180: quotes, doubled quotes, line breaks inside quotes, CRLF, a BOM, a trailing comma', () => {
    const t = readCsv('f.csv', '\uFEFFa,b\r\n"x, ""y""","two\nlines"\r\n\r\n3,4,\n');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([
      { line: 2, fields: { a: 'x, "y"', b: 'two\nlines' } },
      { line: 5, fields: { a: '3', b: '4' } },
    ]);
  });
  it('refuses an unclosed quote, naming the line it opened on', () => {
    expect(error(() => readCsv('f.csv', 'a,b\n1,"2\n3\n')).path).toBe('f.csv:2');
  });
});

describe('loadTrace on damaged input', () => {
  const names = ['clustertwin.csv', 'clustertwin.jsonl', 'acme-seren.csv', 'acme-kalos.csv', 'helios-cluster_log.csv', 'philly-cluster_job_log.json'];
  const samples = names.map(fixture);
  it('either reads jobs with whole GPUs >= 1 and sorted submit times, or throws a ClusterTwinError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 12 }), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          const [path, original] = samples[which];
          let text = original;
          // Cut a few spans and splice in short junk: truncated rows, stray quotes, broken braces.
          for (const [at, cut, junk] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + junk + text.slice(i + cut);
          }
          try {
            const jobs = loadTrace(path, text);
            let last = 0;
            for (const j of jobs) {
              expect(Number.isInteger(j.gpus) && j.gpus >= 1).toBe(true);
              expect(j.submitSeconds).toBeGreaterThanOrEqual(last);
              expect(Number.isFinite(j.durationSeconds) && j.durationSeconds >= 0).toBe(true);
              last = j.submitSeconds;
            }
          } catch (e) {
            if (!(e instanceof ClusterTwinError)) throw e;
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
