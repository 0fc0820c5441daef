/** `clustertwin serve --prefill-workers N --decode-workers N`: help, the --json contract, the table, one-line errors. */
import { describe, expect, it } from 'vitest';
import { expectUsageError, runCli } from './support/cli.js';

const job = ['serve', '--model', 'llama3.1-70b', '--prefill-workers', '1', '--prefill-tp', '4', '--decode-workers', '1', '--decode-tp', '4', '--isl', '2048', '--osl', '128', '--concurrency', '16'];

describe('clustertwin serve, disaggregated', () => {
  it('documents the pool flags with an example', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--prefill-workers', '--prefill-tp', '--prefill-max-batch', '--decode-workers', '--decode-tp', '--decode-max-batch']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/clustertwin serve .*--prefill-workers \d+ .*--decode-workers \d+/);
  });

  it('prints the ServeReport over both pools with the KV transfer and each pool', async () => {
    const r = await runCli([...job, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['ttftSeconds', 'tpotSeconds', 'e2eSeconds']) expect(j[k].mean).toBeGreaterThan(0);
    expect(j.gpus).toBe(8);
    expect(j.costUsdPerDay).toBeCloseTo(8 * 3.0 * 24, 6);
    expect(j.requests.finished).toBe(128);
    const d = j.disaggregated;
    // 2,048 tokens of Llama 3.1 70B's KV (80 layers x 8 KV heads x 128 x K and V x 2 bytes = 320 KiB a token).
    expect(d.kvTransferBytes).toBe(2048 * 80 * 8 * 128 * 2 * 2);
    expect(d.kvTransferSeconds.mean).toBeGreaterThan(0);
    expect(d.kvTransferSeconds.p99).toBeGreaterThanOrEqual(d.kvTransferSeconds.mean);
    expect(d.prefill).toMatchObject({ workers: 1, tp: 4, gpus: 4 });
    expect(d.decode).toMatchObject({ workers: 1, tp: 4, gpus: 4 });
    for (const p of [d.prefill, d.decode]) expect(p.busyFraction).toBeGreaterThan(0);
  });

  it('prints each pool and the transfer in the table', async () => {
    const r = await runCli(job);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/prefill pool +1 x TP 4/);
    expect(r.stdout).toMatch(/decode pool +1 x TP 4/);
    expect(r.stdout).toMatch(/KV transfer .* on the wire/);
    expect(r.stdout).not.toMatch(/NaN|Infinity|undefined/);
  });

  it.each([
    [['--prefill-workers', '0', '--decode-workers', '1'], '--prefill-workers'],
    [['--prefill-workers', '1', '--decode-workers', '-2'], '--decode-workers'],
    [['--prefill-workers', '1'], '--decode-workers'],
    [['--decode-tp', '4'], '--prefill-workers'],
    [['--prefill-workers', '1', '--decode-workers', '1', '--prefill-tp', '3'], '--prefill-tp'],
    [['--prefill-workers', '1', '--decode-workers', '1', '--decode-tp', '1'], '--decode-tp'],
    [['--prefill-workers', '1', '--decode-workers', '1', '--decode-max-batch', '0'], '--decode-max-batch'],
    [['--prefill-workers', '1', '--decode-workers', '1', '--prefill-ep', '2'], '--prefill-ep'],
    [['--prefill-workers', '1', '--decode-workers', '1', '--replicas', '2'], '--replicas'],
  ])('refuses %j with one line naming %s, exit 2', async (args, field) => {
    const r = await runCli(['serve', ...args]);
    expectUsageError(r, field);
  });
});
