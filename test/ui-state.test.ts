/**
 * The web twin's state, outside the browser: the bundled catalog is the CLI's, a link's hash
 * round-trips, and the page's layering and error lines are the CLI's.
 */
import { describe, expect, it } from 'vitest';
import { loadPresets } from '../src/node/presets.js';
import { CATALOG } from '../web/src/presets.js';
import { decodeState, encodeState } from '../web/src/share-url.js';
import { evaluateFields, layeredInput } from '../web/src/evaluate.js';
import { scenarioYaml } from '../web/src/scenario-fields.js';
import { runCli } from './support/cli.js';

describe('the page state', () => {
  it('bundles the same preset catalog the CLI reads from disk', () => {
    expect(CATALOG).toEqual(loadPresets());
    expect(Object.keys(CATALOG.systems)).toEqual(Object.keys(loadPresets().systems));
  });

  it('round-trips A and B through the hash, dropping unset fields', () => {
    const s = { a: { gpus: '2048', model: 'llama3-70b', overlap: 'dp,pp', tp: '' }, b: { gpus: '16K', tokens: '15.6T' } };
    const hash = encodeState(s);
    expect(hash).not.toContain('tp=');
    expect(decodeState(`#${hash}`)).toEqual({ a: { gpus: '2048', model: 'llama3-70b', overlap: 'dp,pp' }, b: { gpus: '16K', tokens: '15.6T' } });
    expect(decodeState('#gpus=64')).toEqual({ a: { gpus: '64' }, b: null });
    expect(decodeState('')).toEqual({ a: {}, b: null });
    expect(decodeState('#__proto__=x&b.constructor=y&compare=1&gpus=8')).toEqual({ a: { gpus: '8' }, b: {} });
  });

  it('layers the fields over the default scenario as simulate layers flags', async () => {
    const input = layeredInput({ gpus: '2048' });
    const r = evaluateFields({ gpus: '2048' });
    const cli = JSON.parse((await runCli(['simulate', '--gpus', '2048', '--json'])).stdout);
    expect(input.tp).toBeUndefined();
    expect(r.ok && r.value.result.stepTimeSeconds).toBe(cli.stepTimeSeconds);
  });

  it('gives the CLI error line, naming the field it is about', async () => {
    for (const [fields, args, field] of [
      [{ tp: '7' }, ['--tp', '7'], 'tp'],
      [{ gpus: 'many' }, ['--gpus', 'many'], 'gpus'],
      [{ gpus: '1000' }, ['--gpus', '1000'], 'gbs'],
      [{ system: 'dgx-h10' }, ['--system', 'dgx-h10'], 'system'],
      [{ seq: 'abc' }, ['--seq', 'abc'], 'seq'],
    ] as const) {
      const r = evaluateFields(fields);
      const cli = await runCli(['simulate', ...args]);
      expect(cli.code).toBe(2);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.line).toBe(cli.stderr.trim());
        expect(r.error.field).toBe(field);
      }
    }
  });

  it('exports YAML holding just the fields set, typed', () => {
    expect(scenarioYaml({ gpus: '16K', recompute: 'full', tp: '' })).toMatch(/\ngpus: 16000\nrecompute: full\n$/);
  });
});
