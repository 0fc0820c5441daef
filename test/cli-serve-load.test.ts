/** `clustertwin serve`'s load flags: --isl/--osl distributions, --burstiness, --trace, --shared-prefix and --prefix-cache. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectUsageError, runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'clustertwin-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const ours = file('ours.csv', 'arrival_s,prompt_tokens,output_tokens\n' + Array.from({ length: 40 }, (_, i) => `${(i * 0.1).toFixed(1)},${200 + 10 * i},${10 + i}`).join('\n') + '\n');
// The Azure LLM inference traces' schema (Azure/AzurePublicDataset, AzureLLMInferenceDataset2023.md); values made up.
const azure = file('azure.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,4808,10\n2023-11-16 18:17:04.0319600,3180,8\n2023-11-16 18:17:06.0781490,110,27\n');
const jsonl = file('t.jsonl', '{"arrival_s": 0, "prompt_tokens": 64, "output_tokens": 8}\n{"arrival_s": 0.5, "prompt_tokens": 128, "output_tokens": 4}\n');
const badRow = file('bad.csv', 'arrival_s,prompt_tokens,output_tokens\n0,10,5\n1.5,abc,5\n');

const small = ['serve', '--model', 'llama3.1-8b', '--tp', '1'];
const json = async (args: string[]) => {
  const r = await runCli([...small, ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('clustertwin serve: the load', () => {
  it('documents every new flag and the length syntax in --help', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['--trace <file>', '--burstiness <cv>', '--shared-prefix <n>', '--prefix-cache', 'uniform:MIN-MAX', 'normal:MEAN,SD', 'choice:A,B', 'TIMESTAMP,ContextTokens,GeneratedTokens', 'docs/serving.md']) expect(r.stdout).toContain(s);
  });

  it('draws lengths from distributions and says so', async () => {
    const j = await json(['--isl', 'uniform:256-1024', '--osl', 'normal:64,16', '--concurrency', '8', '--requests', '32']);
    expect(j.requests.finished).toBe(32);
    expect(j.config.prompt).toEqual({ kind: 'uniform', minTokens: 256, maxTokens: 1024 });
    expect(j.config.output).toEqual({ kind: 'normal', meanTokens: 64, sdTokens: 16, minTokens: 1, maxTokens: 128 });
    expect(j.config.isl).toBe(640);
    const table = await runCli([...small, '--isl', 'uniform:256-1024', '--osl', 'choice:16,32', '--concurrency', '4', '--requests', '8']);
    expect(table.stdout).toMatch(/prompts uniform 256-1,024, outputs one of 2 \(16-32\) tokens/);
  });

  it('runs gamma bursts at the asked coefficient of variation', async () => {
    const j = await json(['--rate', '5', '--duration', '1m', '--burstiness', '2.5', '--isl', '512', '--osl', '32']);
    expect(j.config.load).toEqual({ kind: 'gamma', ratePerSecond: 5, durationSeconds: 60, cv: 2.5 });
    expect(j.requests.finished).toBe(j.requests.arrived);
  });

  it.each([
    [ours, 40],
    [azure, 3],
    [jsonl, 2],
  ])('replays the trace %s, every request accounted for', async (path, n) => {
    const j = await json(['--trace', path]);
    expect(j.requests.arrived).toBe(n);
    expect(j.requests.finished).toBe(n);
    expect(j.config.load).toMatchObject({ kind: 'trace', source: path, requests: n });
    expect(j.config.prompt.kind).toBe('trace');
  });

  it("takes the Azure trace's timestamps as seconds after its first", async () => {
    const j = await json(['--trace', azure]);
    expect(j.config.load.lastArrivalSeconds).toBeCloseTo(2.098189, 6);
  });

  it('caches a shared prefix with --prefix-cache, and says what that leaves out', async () => {
    const args = ['--isl', '2048', '--osl', '64', '--concurrency', '16', '--shared-prefix', '1536'];
    const [off, on] = [await json(args), await json([...args, '--prefix-cache'])];
    expect(on.config).toMatchObject({ sharedPrefixTokens: 1536, prefixCaching: true });
    expect(off.config).toMatchObject({ sharedPrefixTokens: 1536, prefixCaching: false });
    expect(on.ttftSeconds.mean).toBeLessThan(off.ttftSeconds.mean);
    expect(on.notModelled.join('\n')).toMatch(/prefix caching: only the one prefix every prompt shares/);
    const table = await runCli([...small, ...args, '--prefix-cache']);
    expect(table.stdout).toMatch(/· prefix caching/);
    expect(table.stdout).toMatch(/the first 1,536 shared/);
  });

  it.each([
    [['--isl', 'uniform:5'], '--isl: expected a number of tokens (1024) or uniform:MIN-MAX'],
    [['--osl', 'normal:1'], '--osl: expected'],
    [['--isl', 'zipf:1,2'], '--isl: expected'],
    [['--isl', 'uniform:1-200000', '--osl', '10'], '--isl: the longest request the lengths allow'],
    [['--trace', join(dir, 'missing.csv')], `--trace: ${join(dir, 'missing.csv')}: cannot read it (ENOENT)`],
    [['--trace', dir], `--trace: ${dir}: is a folder`],
    [['--trace', badRow], `--trace: ${badRow}:3:5: prompt_tokens: expected a whole number of tokens`],
    [['--trace', ours, '--rate', '3'], '--rate: --trace gives each request'],
    [['--trace', ours, '--isl', '100'], '--isl: --trace gives each request'],
    [['--burstiness', '2'], '--burstiness: shapes the gaps of an open load'],
    [['--rate', '2', '--burstiness', '0'], '--burstiness: expected a number above 0 and at most 10'],
    [['--rate', '2', '--burstiness', '11'], '--burstiness'],
    [['--prefix-cache'], '--prefix-cache: the twin caches one prefix'],
    [['--shared-prefix', '5000', '--isl', '1024'], '--shared-prefix: every prompt begins with the shared prefix'],
    [['--prefill-workers', '1', '--decode-workers', '1', '--trace', ours], '--trace: disaggregated pools take Poisson or closed-loop arrivals for now'],
    [['--prefill-workers', '1', '--decode-workers', '1', '--rate', '2', '--burstiness', '2'], '--burstiness: disaggregated pools take Poisson'],
    [['--prefill-workers', '1', '--decode-workers', '1', '--isl', 'uniform:100-200'], '--isl: disaggregated pools take a fixed prompt length'],
    [['--prefill-workers', '1', '--decode-workers', '1', '--shared-prefix', '100', '--prefix-cache'], '--prefix-cache: disaggregated pools take no prefix caching'],
  ])('refuses %j with one line, exit 2', async (args, start) => {
    const r = await runCli([...small, ...args]);
    expectUsageError(r, start);
  });
});
