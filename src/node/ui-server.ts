/**
 * The static server of `clustertwin ui`: the built page (dist/web) and nothing else, on loopback
 * by default. sirv serves the files; in front of it every request is checked to name a file inside
 * the folder once decoded and once links are followed (`../`, `%2e%2e`, backslashes, NUL and a
 * symlink pointing out are refused), and every response carries a Content-Security-Policy that
 * allows nothing but this origin, so the page cannot load or send anything elsewhere.
 */
import { existsSync, realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { join, sep } from 'node:path';
import sirv from 'sirv';
import { ClusterTwinError } from '../errors.js';
import { packageRoot } from './presets.js';

/**
 * Same origin only. Styles may be inline: Observable Plot writes a <style> into each chart and
 * style attributes on its marks. Workers come from this origin (Vite's bundle) or blob: URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response, files and refusals alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** Where `npm run build:web` writes the page. */
export const webRoot = (): string => join(packageRoot(), 'dist', 'web');

/** Whether a host name or address is this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function refuse(res: ServerResponse, status: number, why: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(`${why}\n`);
}

/**
 * The file a request path names inside `realRoot`, or why not. Decodes it once (as sirv does),
 * then refuses dot segments, backslashes and NUL, and a path whose real location (links
 * followed) is outside the folder.
 */
export function fileForPath(realRoot: string, rawPath: string): { file: string } | { status: number; why: string } {
  if (!rawPath.startsWith('/')) return { status: 400, why: 'bad request' };
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, why: 'bad request' };
  }
  if (path.includes('\0') || path.includes('\\')) return { status: 400, why: 'bad request' };
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { status: 403, why: 'forbidden' };
  if (path.startsWith('//')) return { status: 403, why: 'forbidden' };
  const file = join(realRoot, path.endsWith('/') ? `${path}index.html` : path);
  if (!existsSync(file)) return { status: 404, why: 'not found' };
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return { status: 404, why: 'not found' };
  }
  if (!real.startsWith(realRoot + sep)) return { status: 403, why: 'forbidden' };
  return { file: real };
}

/** The request handler for a built page in `root`. */
export function uiHandler(root: string): (req: IncomingMessage, res: ServerResponse) => void {
  const realRoot = realpathSync(root);
  const files = sirv(realRoot, { dev: false, etag: true, dotfiles: false, single: false });
  return (req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return refuse(res, 405, 'method not allowed');
    }
    const rawPath = (req.url ?? '/').split(/[?#]/)[0];
    const where = fileForPath(realRoot, rawPath);
    if ('status' in where) return refuse(res, where.status, where.why);
    res.setHeader('Cache-Control', 'no-cache');
    files(req, res, () => refuse(res, 404, 'not found'));
  };
}

/** A running server: its URL, the Node server, and how to stop it. */
export interface UiServer {
  url: string;
  server: Server;
  close: () => Promise<void>;
}

/** Starts the server; `port` 0 takes a free one. Fails with a ClusterTwinError naming --host or --port. */
export async function startUiServer(opts: { root?: string; host?: string; port?: number } = {}): Promise<UiServer> {
  const root = opts.root ?? webRoot();
  const host = opts.host ?? '127.0.0.1';
  if (!existsSync(join(root, 'index.html'))) {
    throw new ClusterTwinError('unsupported', '', `the web app is not built (${join(root, 'index.html')} is missing): run \`npm run build:web\` in ${packageRoot()}`);
  }
  const server = createServer(uiHandler(root));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new ClusterTwinError('invalid_value', '--port', `port ${opts.port} is in use; choose another or give --port 0 for a free one`));
      else if (err.code === 'EACCES') reject(new ClusterTwinError('invalid_value', '--port', `not allowed to listen on port ${opts.port}; use a port above 1023 or --port 0`));
      else if (err.code === 'ENOTFOUND' || err.code === 'EADDRNOTAVAIL' || err.code === 'EAI_AGAIN') reject(new ClusterTwinError('invalid_value', '--host', `cannot listen on ${JSON.stringify(host)} (${err.code}): give an address of this machine, e.g. 127.0.0.1`));
      else reject(err);
    });
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
