/** `clustertwin serve`: the contract of --json, the table, and one-line errors for bad input. */
import { describe, expect, it } from 'vitest';
import { expectUsageError, runCli } from './support/cli.js';

const job = ['serve', '--system', 'dgx-h100', '--model', 'llama3.1-70b', '--tp', '8', '--isl', '2048', '--osl', '128'];

describe('clustertwin serve', () => {
  it('prints the --json contract with physical figures', async () => {
    const r = await runCli([...job, '--concurrency', '32', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['ttftSeconds', 'tpotSeconds', 'e2eSeconds']) for (const q of ['mean', 'p50', 'p90', 'p99']) expect(j[k][q]).toBeGreaterThan(0);
    expect(j.ttftSeconds.p50).toBeLessThanOrEqual(j.ttftSeconds.p99);
    expect(j.e2eSeconds.mean).toBeGreaterThan(j.ttftSeconds.mean);
    expect(j.requests.finished).toBe(256);
    expect(j.gpus).toBe(8);
    expect(j.outputTokensPerSecondPerGpu).toBeCloseTo(j.outputTokensPerSecond / 8, 9);
    // Cost per million tokens is the deployment's price over its throughput.
    expect(j.costUsdPerMillionTokens).toBeCloseTo(((8 * 3.0) / 3600 / j.outputTokensPerSecond) * 1e6, 6);
    expect(j.costUsdPerDay).toBeCloseTo(8 * 3.0 * 24, 6);
    expect(j.energyKWhPerMillionTokens).toBeGreaterThan(0);
    expect(j.kvCacheTokens).toBeGreaterThan(100_000);
    expect(j.fitsInMemory).toBe(true);
    // The suite's record for H100 and vLLM (the default framework), per metric.
    expect(j.config.framework).toBe('vllm');
    expect(j.accuracyKey).toEqual({ gpu: 'h100-sxm-80g', framework: 'vllm' });
    expect(j.accuracy.ttft).toMatchObject({ framework: 'vllm', metric: 'ttft', bounded: false });
    expect(j.accuracy.tpot.runs).toBeGreaterThan(50);
    expect(j.accuracy.sentence).toMatch(/measured vllm runs/);
    expect(j.notModelled.length).toBeGreaterThan(5);
  });

  it('serves more at a higher concurrency, and each request waits longer', async () => {
    const at = async (c: number) => JSON.parse((await runCli([...job, '--concurrency', String(c), '--json'])).stdout);
    const [low, high] = [await at(4), await at(64)];
    expect(high.outputTokensPerSecond).toBeGreaterThan(2 * low.outputTokensPerSecond);
    expect(high.tpotSeconds.mean).toBeGreaterThan(low.tpotSeconds.mean);
  });

  it('runs a Poisson load over replicas, deterministic per seed', async () => {
    const args = ['serve', '--model', 'llama3.1-8b', '--tp', '1', '--replicas', '4', '--rate', '8', '--duration', '2m', '--isl', '512', '--osl', '128', '--json'];
    const a = JSON.parse((await runCli([...args, '--seed', '3'])).stdout);
    const b = JSON.parse((await runCli([...args, '--seed', '3'])).stdout);
    expect(a).toEqual(b);
    expect(a.gpus).toBe(4);
    // Every arrival finished: 8 requests/s for 120 s is about 960.
    expect(a.requests.finished).toBe(a.requests.arrived);
    expect(a.requests.arrived).toBeGreaterThan(800);
    expect(a.requests.arrived).toBeLessThan(1100);
  });

  it('simulates a large fleet under Poisson as one replica standing for all, and says so', async () => {
    const args = ['serve', '--model', 'llama3.1-8b', '--tp', '1', '--replicas', '32', '--rate', '64', '--duration', '1m', '--isl', '512', '--osl', '64'];
    const j = JSON.parse((await runCli([...args, '--json'])).stdout);
    expect(j.config.fleetMethod).toBe('shortcut');
    expect(j.notModelled.join('\n')).toMatch(/fleet method shortcut/);
    const table = (await runCli(args)).stdout;
    expect(table).toMatch(/simulated as one replica at 1\/32 of the rate: --fleet-method shortcut/);
    const exact = JSON.parse((await runCli([...args, '--fleet-method', 'exact', '--json'])).stdout);
    expect(exact.config.fleetMethod).toBe('exact');
  });

  it('serves DeepSeek-R1 with attention DP: the replica holds every rank\'s KV cache, and says so', async () => {
    const r1 = ['serve', '--system', 'dgx-b200', '--model', 'deepseek-r1', '--tp', '8', '--ep', '8', '--precision', 'fp8', '--concurrency', '16', '--isl', '1024', '--osl', '64'];
    const tp = JSON.parse((await runCli([...r1, '--json'])).stdout);
    const dp = JSON.parse((await runCli([...r1, '--attention-dp', '8', '--json'])).stdout);
    expect(tp.config.attentionDp).toBe(1);
    expect(dp.config.attentionDp).toBe(8);
    expect(dp.kvCacheTokens).toBeGreaterThan(6 * tp.kvCacheTokens);
    expect(dp.requests.finished).toBe(128);
    const table = (await runCli([...r1, '--attention-dp', '8'])).stdout;
    expect(table).toContain('attention DP 8');
  });

  it("prints tables that quote the suite's record for the GPU and framework, or say there is none", async () => {
    const r = await runCli([...job, '--concurrency', '8', '--framework', 'sglang']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/time to first token/);
    expect(r.stdout).toMatch(/per million output tokens/);
    expect(r.stdout).toMatch(/sglang \(prefill-batches\)/);
    expect(r.stdout).toMatch(/Accuracy: \d+ measured sglang runs on .*H100.*TTFT median \|error\|/);
    expect(r.stdout).not.toMatch(/NaN|Infinity|undefined/);
    const b200 = await runCli(['serve', '--system', 'dgx-b200', '--model', 'llama3.1-8b', '--tp', '1', '--concurrency', '4', '--isl', '256', '--osl', '32']);
    expect(b200.code, b200.stderr).toBe(0);
    expect(b200.stdout).toMatch(/Accuracy: no measured vllm serving run on .* is in the validation suite: this prediction is unchecked/);
  });

  it('refuses an unknown framework in one line that lists the known ones, exit 2', async () => {
    const r = await runCli(['serve', '--framework', 'tgi']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--framework .*'tgi' is invalid\. Allowed choices are vllm, sglang, trtllm/);
  });

  it("takes each framework's scheduler defaults, and lets a flag override them", async () => {
    const at = async (...more: string[]) => JSON.parse((await runCli([...job, '--concurrency', '4', '--json', ...more])).stdout).config;
    expect(await at()).toMatchObject({ framework: 'vllm', policy: 'chunked-prefill', maxBatch: 1024, maxBatchedTokens: 8192 });
    expect(await at('--framework', 'sglang')).toMatchObject({ framework: 'sglang', policy: 'prefill-batches', maxBatchedTokens: 8192 });
    expect(await at('--framework', 'trtllm')).toMatchObject({ framework: 'trtllm', policy: 'whole-prompt', maxBatch: 2048, maxBatchedTokens: 8192 });
    expect(await at('--framework', 'trtllm', '--policy', 'chunked-prefill', '--max-batch', '64')).toMatchObject({ policy: 'chunked-prefill', maxBatch: 64 });
  });

  it.each([
    [['--rate', '0'], '--rate'],
    [['--rate', '-5'], '--rate'],
    [['--rate', '5', '--concurrency', '3'], '--rate'],
    [['--isl', '200000'], '--isl'],
    [['--tp', '3'], '--tp'],
    [['--model', 'llama3.1-405b'], '--tp'],
    [['--precision', 'fp4'], '--precision'],
    [['--system', 'nd40rs-v2', '--model', 'llama3.1-8b', '--tp', '1', '--isl', '100000', '--osl', '1000'], '--isl'],
    [['--rate', '1e6', '--duration', '1h'], '--duration'],
    [['--concurrency', '1', '--requests', '1e7'], '--requests'],
    [['--concurrency', '0'], '--concurrency'],
    [['--model', 'llama3.1-8b', '--ep', '2'], '--ep'],
    [['--attention-dp', '3'], '--attention-dp'],
    [['--attention-dp', '0'], '--attention-dp'],
    [['--replicas', '2', '--concurrency', '4', '--fleet-method', 'shortcut'], '--fleet-method'],
  ])('refuses %j with one line naming %s, exit 2', async (args, field) => {
    const r = await runCli(['serve', ...args]);
    expectUsageError(r, field);
  });
});
