/**
 * The error boundary: an exception that is not the user's (a bug of ours) is one line, exit 70
 * (EX_SOFTWARE), asking for a report; no stack unless CLUSTERTWIN_DEBUG is set.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './support/cli.js';

vi.mock('../src/node/presets.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/node/presets.js')>();
  return {
    ...real,
    loadPresets: () => {
      if (process.env.CT_TEST_BREAK_PRESETS) throw new TypeError("Cannot read properties of undefined (reading 'gpus')");
      return real.loadPresets();
    },
  };
});

describe('an internal error', () => {
  afterEach(() => {
    delete process.env.CT_TEST_BREAK_PRESETS;
  });

  it('is one line with exit code 70 and no stack', async () => {
    process.env.CT_TEST_BREAK_PRESETS = '1';
    const r = await runCli(['simulate']);
    expect(r.code).toBe(70);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: internal error: TypeError: Cannot read properties of undefined .*please report it.*CLUSTERTWIN_DEBUG=1/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('is thrown whole under CLUSTERTWIN_DEBUG, for its stack', async () => {
    process.env.CT_TEST_BREAK_PRESETS = '1';
    process.env.CLUSTERTWIN_DEBUG = '1';
    try {
      await expect(runCli(['simulate'])).rejects.toThrow(TypeError);
    } finally {
      delete process.env.CLUSTERTWIN_DEBUG;
    }
  });

  it('does not touch a run that works', async () => {
    expect((await runCli(['simulate', '--json'])).code).toBe(0);
  });
});
