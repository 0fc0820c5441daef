/** `clustertwin serve-plan`: help, the --json contract, the tables, and one-line errors (exit 2) for bad input. */
import { describe, expect, it } from 'vitest';
import { expectUsageError, runCli } from './support/cli.js';

// A small model and space, so each run takes a fraction of a second.
const job = ['serve-plan', '--model', 'llama3.1-8b', '--system', 'dgx-h100,dgx-a100-80g', '--tp', '1,2', '--pp', '1', '--max-batch', '8,32', '--isl', '512', '--osl', '64', '--requests', '300'];

describe('clustertwin serve-plan', () => {
  it('has help with examples', async () => {
    const r = await runCli(['serve-plan', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}clustertwin serve-plan /);
    expect(r.stdout).toMatch(/--ttft-p99 <seconds>/);
    expect(r.stdout).toMatch(/--per-day <n>/);
  });

  it('prints the --json contract: the best, the front, what was considered and why the rest were left out', async () => {
    const r = await runCli([...job, '--rate', '12', '--ttft-p99', '0.5', '--tpot-p99', '0.02', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.best.ttftSeconds.p99).toBeLessThanOrEqual(0.5);
    expect(j.best.tpotSeconds.p99).toBeLessThanOrEqual(0.02);
    expect(j.best.gpus).toBe(j.best.replicas * j.best.gpusPerReplica);
    expect(j.front[0]).toEqual(j.best);
    expect(j.considered).toBe((2 * 3 + 2 * 2) * 2);
    expect(j.rejected.reduce((a: number, x: { count: number }) => a + x.count, 0) + j.simulated).toBe(j.considered);
    for (const x of j.rejected) expect(typeof x.text).toBe('string');
    expect(j.traffic).toMatchObject({ ratePerSecond: 12, requestsPerDay: 12 * 86_400, isl: 512, osl: 64 });
    expect(j.notes.length).toBeGreaterThan(3);
    // The suite's vLLM record for the best deployment's GPU (an H100 here).
    expect(j.accuracy.tpot).toMatchObject({ framework: 'vllm', gpu: 'h100-sxm-80g' });
    expect(j.accuracy.sentence).toMatch(/measured vllm runs/);
  });

  it('takes the traffic a day, and prints tables with the serve command to check the best', async () => {
    const r = await runCli([...job, '--per-day', '1M', '--ttft-p90', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/at 11\.57 requests\/s \(1\.0M a day\)/);
    expect(r.stdout).toMatch(/Cheapest that meets the targets/);
    expect(r.stdout).toMatch(/check it +clustertwin serve --system \S+ --model llama3\.1-8b --tp \d/);
    expect(r.stdout).toMatch(/Pareto front: cost a day against TPOT p90/);
    expect(r.stdout).not.toMatch(/NaN|Infinity|undefined/);
  });

  it.each([
    [['--rate', '0', '--ttft-p99', '1'], '--rate'],
    [['--rate', '-3', '--ttft-p99', '1'], '--rate'],
    [['--ttft-p99', '1'], '--rate'],
    [['--rate', '1', '--per-day', '1M', '--ttft-p99', '1'], '--per-day'],
    [['--rate', '1', '--ttft-p99', '0'], '--ttft-p99'],
    [['--rate', '1', '--tpot-p50', '-1'], '--tpot-p50'],
    [['--rate', '1'], '--ttft-p99'],
    [['--rate', '1', '--ttft-p99', '1', '--system', 'dgx-h999'], '--system'],
    [['--rate', '1', '--ttft-p99', '1', '--precision', 'fp3'], '--precision'],
    [['--rate', '1', '--ttft-p99', '1', '--max-batch', '0'], '--max-batch'],
    [['--rate', '1', '--tpot-p99', '0.00001'], '--tpot-p99'],
    [['--rate', '1', '--ttft-p99', '1', '--osl', '100000', '--requests', '1000'], '--requests'],
    [['--rate', '1', '--ttft-p99', '1', '--isl', '200000'], '--isl'],
  ])('refuses %j with one line naming %s, exit 2', async (args, field) => {
    const r = await runCli([...job, ...args]);
    expectUsageError(r, field);
  });

  it('says why when no deployment meets a target, with the lowest floor', async () => {
    const r = await runCli([...job, '--rate', '1', '--tpot-p99', '0.00001']);
    expect(r.stderr).toMatch(/no deployment of the 20 considered meets the targets \(.*one decode step at batch 1 already passes the TPOT target.*TPOT [\d.]+ ms \(one decode step\)/);
  });
});
