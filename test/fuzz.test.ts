/**
 * The fuzz suite (issue #13): seeded command lines and scenario files, valid, at the edges and
 * hostile, each run through the real CLI entry in a worker with a heap and a time limit, each
 * required to end as test/fuzz/checks.ts says. A few seconds by default; `FUZZ_RUNS=20000 npm test`
 * (or `FUZZ_SEED=n`) runs more offline. A failure prints the seed and the shrunk case to replay.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { commandLine, scenarioFile } from './fuzz/arbitraries.js';
import { problemWith } from './fuzz/checks.js';
import { CliSandbox } from './fuzz/sandbox.js';
import { testDir } from './support/temp-dir.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 13);
// Each case may take up to the sandbox's limit; the whole property gets room for all of them.
const PROPERTY_TIMEOUT_MS = Math.max(120_000, RUNS * 2_000);

const sandbox = new CliSandbox();
afterAll(() => sandbox.close());

describe('fuzz: the CLI never hangs, crashes or prints an impossible answer', () => {
  it(`command lines (${RUNS} cases, seed ${SEED})`, { timeout: PROPERTY_TIMEOUT_MS }, async () => {
    const exits = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(commandLine, async (args) => {
        const r = await sandbox.run(args);
        exits.set(r.code, (exits.get(r.code) ?? 0) + 1);
        const problem = problemWith(args, r);
        expect(problem, `${JSON.stringify(args)}\n${r.stderr}`).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // A fuzz whose every case is refused (or every one accepted) would test little.
    expect(exits.get(0) ?? 0, JSON.stringify([...exits])).toBeGreaterThan(RUNS / 20);
    expect(exits.get(2) ?? 0, JSON.stringify([...exits])).toBeGreaterThan(RUNS / 20);
  });

  it(`scenario files (${RUNS} cases, seed ${SEED})`, { timeout: PROPERTY_TIMEOUT_MS }, async () => {
    const dir = testDir('ct-fuzz-');
    const exits = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(scenarioFile, fc.constantFrom('yaml', 'json'), fc.constantFrom('simulate', 'reliability'), async (content, format, command) => {
        const file = join(dir, `scenario.${format}`);
        writeFileSync(file, format === 'json' ? JSON.stringify(content) : stringify(content));
        const args = [command, '--config', file, ...(command === 'reliability' ? ['--trials', '3'] : []), '--json'];
        const r = await sandbox.run(args);
        exits.set(r.code, (exits.get(r.code) ?? 0) + 1);
        const problem = problemWith(args, r, file);
        expect(problem, `${JSON.stringify(content).slice(0, 2000)}\n${r.stderr}`).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(exits.get(0) ?? 0, JSON.stringify([...exits])).toBeGreaterThan(RUNS / 20);
    expect(exits.get(2) ?? 0, JSON.stringify([...exits])).toBeGreaterThan(RUNS / 20);
  });
});
