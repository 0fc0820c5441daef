/**
 * `clustertwin report serve`: the serving report's numbers are serve's for the same flags, the HTML
 * is self-contained, the charts come out as SVG or PNG files, and bad input is one line, exit 2,
 * with nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import { expectUsageError, runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ct-report-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each chart's figures, by chart id, from the report's data-figures attributes. */
function figuresOf(html: string): Record<string, Record<string, number>> {
  const { document } = parseHTML(html);
  const out: Record<string, Record<string, number>> = {};
  for (const f of document.querySelectorAll('figure[data-chart]')) out[f.getAttribute('data-chart')!] = JSON.parse(f.getAttribute('data-figures')!);
  return out;
}

/** The chart figures at the user's load must be serve --json's numbers for the same flags. */
function expectServeFigures(figures: Record<string, Record<string, number>>, serve: any): void {
  const lat = figures['serving-latency-load'];
  for (const [m, key] of [['ttft', 'ttftSeconds'], ['tpot', 'tpotSeconds']] as const) {
    for (const q of ['p50', 'p90', 'p99'] as const) expect(lat[`user.${m}${q.toUpperCase()}Seconds`], `${m} ${q}`).toBe(serve[key][q]);
  }
  const cost = figures['serving-cost'];
  expect(cost['user.costUsdPerMillionTokens']).toBe(serve.costUsdPerMillionTokens);
  expect(cost['user.outputTokensPerSecondPerGpu']).toBe(serve.outputTokensPerSecondPerGpu);
  const hist = figures['serving-ttft-histogram'];
  expect(hist.count).toBe(serve.ttftSeconds.count);
  expect(hist.ttftP50Seconds).toBe(serve.ttftSeconds.p50);
  expect(hist.ttftP99Seconds).toBe(serve.ttftSeconds.p99);
}

describe('clustertwin report serve', () => {
  it('writes a report whose figures at the user load are serve --json for the default flags', async () => {
    const out = join(dir, 'default.html');
    const r = await runCli(['report', 'serve', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.written).toEqual([out]);
    expect(j.charts).toEqual(['serving-latency-load', 'serving-cost', 'serving-ttft-histogram']);
    const serve = JSON.parse((await runCli(['serve', '--json'])).stdout);
    // --json's headline is serve's, and its accuracy the sentence serve states.
    expect(j.headline.ttftSeconds).toEqual(serve.ttftSeconds);
    expect(j.headline.costUsdPerDay).toBe(serve.costUsdPerDay);
    expect(j.accuracy).toEqual(serve.accuracy);
    const html = readFileSync(out, 'utf8');
    expectServeFigures(figuresOf(html), serve);
    // The closed loop's levels run from one client to past the clients the KV cache holds.
    const lat = figuresOf(html)['serving-latency-load'];
    const levels = Object.keys(lat).filter((k) => /^point\d+\.level$/.test(k)).map((k) => lat[k]);
    expect(levels[0]).toBe(1);
    expect(levels.length).toBeGreaterThanOrEqual(6);
    expect(lat['user.level']).toBe(16);
    expect(html).toContain(serve.accuracy.sentence.replace(/&/g, '&amp;'));
    expect(html).toContain('clustertwin serve');
  });

  it('is self-contained: no http(s) URL in any src or href, no script, no stylesheet link', async () => {
    const out = join(dir, 'offline.html');
    expect((await runCli(['report', 'serve', '--model', 'llama3.1-8b', '--tp', '1', '--rate', '4', '--duration', '1m', '--out', out])).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*https?:/i);
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(html.match(/<svg\b/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('matches serve --json under an open load too, over its rates past saturation', async () => {
    const flags = ['--model', 'llama3.1-8b', '--tp', '1', '--rate', '4', '--duration', '1m', '--isl', '512', '--osl', '256', '--seed', '7'];
    const out = join(dir, 'rate.html');
    const r = await runCli(['report', 'serve', ...flags, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const serve = JSON.parse((await runCli(['serve', ...flags, '--json'])).stdout);
    const figures = figuresOf(readFileSync(out, 'utf8'));
    expectServeFigures(figures, serve);
    const j = JSON.parse(r.stdout);
    expect(j.loadCurve.axis).toBe('rate');
    const lat = figures['serving-latency-load'];
    const levels = Object.keys(lat).filter((k) => /^point\d+\.level$/.test(k)).map((k) => lat[k]);
    expect(Math.max(...levels)).toBeGreaterThan(j.loadCurve.capacityRequestsPerSecond);
    expect(Math.min(...levels)).toBeLessThan(4);
  });

  it('writes each chart as an SVG file, or a PNG, into --out-dir', async () => {
    const svgDir = mkdtempSync(join(dir, 'svg-'));
    const r = await runCli(['report', 'serve', '--model', 'llama3.1-8b', '--tp', '1', '--concurrency', '8', '--format', 'svg', '--out-dir', svgDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).written).toEqual(['serving-latency-load', 'serving-cost', 'serving-ttft-histogram'].map((id) => join(svgDir, `${id}.svg`)));
    for (const f of readdirSync(svgDir)) expect(readFileSync(join(svgDir, f), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const pngDir = mkdtempSync(join(dir, 'png-'));
    const p = await runCli(['report', 'serve', '--model', 'llama3.1-8b', '--tp', '1', '--concurrency', '8', '--format', 'png', '--out-dir', pngDir]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^wrote .*serving-latency-load\.png/);
    const files = readdirSync(pngDir).sort();
    expect(files).toEqual(['serving-cost.png', 'serving-latency-load.png', 'serving-ttft-histogram.png']);
    for (const f of files) expect([...readFileSync(join(pngDir, f)).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it('has --help with examples and serve\'s flags', async () => {
    const r = await runCli(['report', 'serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}clustertwin report serve/);
    for (const flag of ['--rate', '--concurrency', '--prefill-workers', '--format', '--out-dir', '--json']) expect(r.stdout).toContain(flag);
  });

  describe('bad input: one line, exit 2, nothing written', () => {
    const out = join(dir, 'never.html');
    const cases: Array<[string, string[], string, RegExp?]> = [
      ['svg without a folder', ['--format', 'svg'], '--out-dir', /give the folder/],
      ['a folder for html', ['--out-dir', dir], '--out-dir', /--format svg/],
      ['--out with png', ['--format', 'png', '--out', out, '--out-dir', dir], '--out', /--out-dir/],
      ['a missing folder', ['--format', 'svg', '--out-dir', join(dir, 'missing')], '--out-dir', /does not exist/],
      ['a file as the folder', ['--format', 'svg', '--out-dir', __filename], '--out-dir', /not a folder/],
      ['--out in a missing folder', ['--out', join(dir, 'missing', 'r.html')], '--out', /folder does not exist/],
      ['an unknown format', ['--format', 'pdf', '--out', out], "error: option '--format"],
      ['serve\'s flag checks', ['--tp', '0', '--out', out], '--tp'],
      ['serve\'s load checks', ['--rate', '2', '--concurrency', '4', '--out', out], '--rate', /give one of them/],
      ['a deployment that does not fit', ['--model', 'llama3.1-70b', '--tp', '1', '--out', out], '--tp', /no KV cache/],
    ];
    for (const [what, args, field, message] of cases) {
      it(what, async () => {
        const r = await runCli(['report', 'serve', ...args]);
        if (field.startsWith('error: ')) {
          expect(r.code).toBe(2);
          expect(r.stderr.trim().split('\n')).toHaveLength(1);
          expect(r.stderr.startsWith(field)).toBe(true);
        } else expectUsageError(r, field, message);
        expect(existsSync(out)).toBe(false);
      });
    }

    it('leaves an existing report as it was when the run fails', async () => {
      const kept = join(dir, 'kept.html');
      writeFileSync(kept, 'old');
      expectUsageError(await runCli(['report', 'serve', '--model', 'llama3.1-70b', '--tp', '1', '--out', kept]), '--tp');
      expect(readFileSync(kept, 'utf8')).toBe('old');
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  });
});
