/**
 * `npm run screenshots`: pictures of the real web twin for the README, made from the page itself
 * (built if stale, served by `clustertwin ui`'s server, drawn by Debian's Chromium):
 * docs/img/ui.png (one scenario) and docs/img/ui-compare.png (A/B); and the top of a real
 * `clustertwin report` for the README's 405B example, docs/img/report.png.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './chromium.js';
import { startUiServer } from '../src/node/ui-server.js';
import { ensureWebBuilt, repoRoot } from './web-build.js';
import { main } from '../src/cli/main.js';

/** Llama 3 405B on 16,384 H100 with Meta's split, as the README's example. */
const LLAMA_405B = 'system=dgx-h100&model=llama3-405b&gpus=16384&tp=8&pp=16&vp=2&seq=8192&gbs=2048&recompute=full';

const shots: Array<{ file: string; hash: string; height: number }> = [
  { file: 'ui.png', hash: LLAMA_405B, height: 1000 },
  { file: 'ui-compare.png', hash: `${LLAMA_405B}&compare=1&b.system=dgx-b200&b.model=llama3-405b&b.gpus=16384&b.tp=8&b.pp=16&b.vp=2&b.seq=8192&b.gbs=2048&b.recompute=full`, height: 1250 },
];

await ensureWebBuilt();
// A fixed port where free, so the link the pictures show does not change from run to run.
const ui = await startUiServer({ port: 47474 }).catch(() => startUiServer());
const browser = await launchChromium();
try {
  const out = join(repoRoot, 'docs', 'img');
  mkdirSync(out, { recursive: true });
  for (const s of shots) {
    const page = await browser.newPage({ viewport: { width: 1400, height: s.height }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ui.url}#${s.hash}`);
    await page.waitForSelector('[data-column="a"] figure svg');
    if (s.hash.includes('compare=1')) await page.waitForSelector('[data-column="b"] figure svg');
    if (errors.length) throw new Error(`the page logged errors: ${errors.join('; ')}`);
    const png = await page.screenshot({ type: 'png' });
    writeFileSync(join(out, s.file), png);
    console.log(`wrote docs/img/${s.file} (${png.length.toLocaleString('en-US')} bytes)`);
    await page.close();
  }
  // The report, written by the CLI itself, opened as a file (it needs nothing else).
  const tmp = mkdtempSync(join(tmpdir(), 'ct-shot-'));
  const html = join(tmp, 'report.html');
  const code = await main(['report', ...LLAMA_405B.split('&').flatMap((kv) => { const [k, v] = kv.split('='); return [`--${k}`, v]; }), '--out', html]);
  if (code !== 0) throw new Error(`clustertwin report exited ${code}`);
  const page = await browser.newPage({ viewport: { width: 1100, height: 1500 }, deviceScaleFactor: 1 });
  await page.goto(`file://${html}`);
  const png = await page.screenshot({ type: 'png' });
  writeFileSync(join(out, 'report.png'), png);
  console.log(`wrote docs/img/report.png (${png.length.toLocaleString('en-US')} bytes)`);
  await page.close();
  rmSync(tmp, { recursive: true, force: true });
} finally {
  await browser.close();
  await ui.close();
}
