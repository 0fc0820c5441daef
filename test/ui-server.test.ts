/**
 * `clustertwin ui`'s server: loopback by default, only its own files (traversal in every spelling,
 * absolute paths and symlinks pointing out are refused), a CSP that allows no remote load on every
 * response, and the CLI's one-line errors.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterTwinError } from '../src/errors.js';
import { userErrorLine } from '../src/user-error-line.js';
import { CONTENT_SECURITY_POLICY, isLoopback, startUiServer, type UiServer } from '../src/node/ui-server.js';
import { expectUsageError, runCli } from './support/cli.js';
import { testDir } from './support/temp-dir.js';
import { ensureWebBuilt, repoRoot } from './support/web-build.js';

const SECRET = 'the secret outside the served folder';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path goes on the wire exactly as written (fetch would normalise `..`). */
function get(url: string, path: string, method = 'GET'): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the ui server on a folder of its own', () => {
  let ui: UiServer;
  let outside: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ct-ui-'));
    const root = join(dir, 'web');
    outside = join(dir, 'outside');
    mkdirSync(join(root, 'assets'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>twin</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(outside, 'secret.txt'), SECRET);
    writeFileSync(join(dir, 'secret.txt'), SECRET);
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    symlinkSync(outside, join(root, 'linkdir'));
    symlinkSync(join(root, 'assets', 'app.js'), join(root, 'inside-link.js'));
    ui = await startUiServer({ root });
  });
  afterAll(async () => {
    await ui?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 by default, on a free port, and says so in its URL', () => {
    const addr = ui.server.address();
    expect(typeof addr === 'object' && addr?.address).toBe('127.0.0.1');
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(typeof addr === 'object' && addr?.port).toBeGreaterThan(0);
  });

  it('serves its page with a CSP that allows this origin only, and nosniff', async () => {
    const r = await get(ui.url, '/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>twin</title>');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).toContain("connect-src 'self'");
    // No remote source anywhere in it: no scheme or host other than self, data: and blob:.
    expect(csp).not.toMatch(/https?:|\*|wss?:/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const js = await get(ui.url, '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  const escapes = [
    '/../secret.txt',
    '/../outside/secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/%2E%2E/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/.%2e/secret.txt',
    '/%252e%252e/secret.txt',
    '/%00/../secret.txt',
  ];
  for (const path of escapes) {
    it(`refuses traversal ${path}`, async () => {
      const r = await get(ui.url, path);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toContain(SECRET);
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    });
  }

  it('refuses absolute paths: of the file outside, //host-style, and an absolute-form request target', async () => {
    for (const path of [join(outside, 'secret.txt'), `/${join(outside, 'secret.txt')}`, '//etc/passwd', '/%2F%2Fetc%2Fpasswd', '/etc/passwd', `http://127.0.0.1/${join(outside, 'secret.txt')}`]) {
      const r = await get(ui.url, path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toContain(SECRET);
      expect(r.body).not.toContain('root:');
    }
  });

  it('refuses symlinks pointing outside the folder, and follows one inside it', async () => {
    for (const path of ['/link.txt', '/linkdir/secret.txt', '/linkdir/']) {
      const r = await get(ui.url, path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toContain(SECRET);
    }
    const inside = await get(ui.url, '/inside-link.js');
    expect(inside.status).toBe(200);
    expect(inside.body).toBe('console.log(1)');
  });

  it('answers only GET and HEAD', async () => {
    const r = await get(ui.url, '/', 'POST');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });
});

describe('the ui server without a built page', () => {
  it('says in one line how to build it', async () => {
    const err = await startUiServer({ root: testDir('ct-ui-empty-') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterTwinError);
    const line = userErrorLine(err as ClusterTwinError);
    expect(line).toMatch(/^error: the web app is not built .*npm run build:web/);
    expect(line).not.toContain('\n');
  });
});

describe('isLoopback', () => {
  it('knows this machine from others', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '192.168.1.2', '::', 'example.com', '128.0.0.1']) expect(isLoopback(h), h).toBe(false);
  });
});

describe('clustertwin ui', () => {
  it('has --help with examples', async () => {
    const r = await runCli(['ui', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('clustertwin ui --port');
  });

  it('refuses a bad --port in one line', async () => {
    expectUsageError(await runCli(['ui', '--port', '70000']), '--port');
    expectUsageError(await runCli(['ui', '--port', 'abc']), '--port');
  });

  /** Starts the real executable; resolves with its first stdout line and stderr so far. */
  function startCli(args: string[]): Promise<{ line: string; stderr: () => string; stop: () => void }> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/run.ts'), ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    return new Promise((resolve, reject) => {
      child.stderr.on('data', (c) => (err += String(c)));
      child.stdout.on('data', (c) => {
        out += String(c);
        if (out.includes('\n')) resolve({ line: out.split('\n')[0], stderr: () => err, stop: () => child.kill('SIGTERM') });
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
  }

  it('serves the built page on loopback and prints {url} with --json; warns off loopback', async () => {
    await ensureWebBuilt();
    const a = await startCli(['ui', '--json']);
    try {
      const { url } = JSON.parse(a.line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await get(url, '/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('<div id="app">');
      // The page names no remote resource: everything is this origin's.
      expect(page.body).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
      expect(a.stderr()).toBe('');
    } finally {
      a.stop();
    }
    const b = await startCli(['ui', '--host', '0.0.0.0']);
    try {
      expect(b.line).toMatch(/^clustertwin ui: http:\/\/0\.0\.0\.0:\d+\//);
      for (let i = 0; i < 50 && !b.stderr().includes('warning'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(b.stderr()).toMatch(/^warning: --host 0\.0\.0\.0 is not loopback/);
    } finally {
      b.stop();
    }
  });
});
