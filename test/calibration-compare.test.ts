import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../calibration/compare.ts', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/calibration-synthetic.json', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });

describe('calibration/compare.ts (on synthetic numbers: it checks the plumbing, not a GPU)', () => {
  it('sets every measured figure beside the preset\'s prediction', () => {
    const r = run([fixture]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('against preset h100-sxm-80g');
    for (const what of ['GEMM bf16 4096^3', 'flash attention forward', 'HBM copy', 'elementwise add, 16 MB', 'layer fwd+bwd megatron-core-1.7b', '15 s sustained']) {
      expect(r.stdout).toContain(what);
    }
    // 650 measured against the preset's 622.5 for a 4096^3 GEMM: the error column is the twin's.
    expect(r.stdout).toMatch(/GEMM bf16 4096\^3\s+650\.0 TFLOP\/s\s+\d+\.\d TFLOP\/s\s+-\d+\.\d%/);
  });
  it('asks for --gpu when the device is not one it knows, with exit 2', () => {
    const r = run([fixture, '--gpu', 'no-such-gpu']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: /);
  });
});
