import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { colorWanted } from './color.js';

describe('colorWanted', () => {
  it('colours a terminal and nothing else, whatever CI says', () => {
    expect(colorWanted({}, true)).toBe(true);
    expect(colorWanted({}, false)).toBe(false);
    expect(colorWanted({ CI: 'true' }, false)).toBe(false);
  });
  it('honours NO_COLOR over everything, and FORCE_COLOR over the terminal test', () => {
    expect(colorWanted({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(colorWanted({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorWanted({ FORCE_COLOR: '0' }, true)).toBe(false);
  });
  it('prints no escape codes into a pipe when CI is set (the case that once broke CI)', () => {
    const entry = fileURLToPath(new URL('./run.ts', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const r = spawnSync(process.execPath, ['--import', 'tsx', entry, 'simulate'], { encoding: 'utf8', env });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stdout).toContain('GPT-3 175B on 1,024');
  });
});
