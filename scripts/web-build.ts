/**
 * The built page (dist/web) for the UI tests, the screenshots and the bench: built with Vite when it is missing or older than its
 * sources (web/, src/, presets/), so a test never checks a stale bundle. A lock folder keeps two
 * test files from building at once.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/node/presets.js';

/** The repository root (found from here whether run from source or compiled into dist/). */
export const repoRoot = packageRoot();
export const webDist = join(repoRoot, 'dist', 'web');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop() as string;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      // Tests and their snapshots are not in the bundle (and a test run writes snapshots).
      if (e.isDirectory()) {
        if (e.name !== '__snapshots__') stack.push(p);
      } else if (e.isFile() && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

/** Whether dist/web is older than any source it is built from. */
export function webBuildStale(): boolean {
  const index = join(webDist, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return ['web', 'src', 'presets'].some((d) => newestMtimeMs(join(repoRoot, d)) > built);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds the page unless it is up to date (as `npm run build:web`). */
export async function ensureWebBuilt(): Promise<void> {
  const lock = join(repoRoot, 'dist', '.web-build.lock');
  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than two minutes was left by a killed run.
      let ageMs = 0;
      try {
        ageMs = Date.now() - statSync(lock).mtimeMs;
      } catch {
        ageMs = 0;
      }
      if (waited > 120_000 || ageMs > 120_000) rmSync(lock, { recursive: true, force: true });
      await sleep(200);
    }
  }
  try {
    if (!webBuildStale()) return;
    const { build } = await import('vite');
    await build({ configFile: join(repoRoot, 'web', 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
