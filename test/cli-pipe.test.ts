import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/cli/run.ts', import.meta.url));

describe('clustertwin writing into a pipe the reader closes early (`| head`)', () => {
  it('exits quietly, without a stack trace', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'simulate', '--json'], { env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    // Close our end before it writes, as a reader that has already quit would.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(0);
  });
});
