/** The built page for the UI tests (scripts/web-build.ts: built when missing or stale). */
export { ensureWebBuilt, repoRoot, webDist } from '../../scripts/web-build.js';
