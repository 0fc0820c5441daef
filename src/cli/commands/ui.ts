/**
 * `clustertwin ui`: serves the web twin (dist/web, built by `npm install`) on this machine and
 * prints its URL; the engine runs in the page, so nothing is sent anywhere. Thin: parse, start
 * the server, wait for Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { Command } from '@commander-js/extra-typings';
import { numberFlag } from '../flag-values.js';
import { isLoopback, startUiServer } from '../../node/ui-server.js';

/** Opens a URL in the desktop's browser, quietly doing nothing where there is none. */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`could not open a browser (${cmd}); open ${url} yourself\n`));
    child.unref();
  } catch {
    process.stderr.write(`could not open a browser; open ${url} yourself\n`);
  }
}

export function uiCommand(): Command<any, any> {
  return new Command('ui')
    .description('serve the web twin on this machine: edit a scenario in the page, see figures and charts, compare, share, plan')
    .addHelpText(
      'after',
      `
The page runs the same engine as the CLI, in the browser: pick presets, edit
GPUs, TP, PP, batch, sequence, recompute... and the step time, tokens/s, MFU,
memory, time to train, cost and charts follow as you type. Compare two
scenarios, copy a link that reopens the page as it is, export the scenario as
the YAML simulate --config reads, and run plan, reliability and serve.

It listens on 127.0.0.1 (this machine only) unless --host says otherwise, and
serves only the built page (dist/web, built by npm install or npm run
build:web), under a Content-Security-Policy that lets it load nothing from
elsewhere: it needs no network.

Examples:
  clustertwin ui
  clustertwin ui --port 8080 --open
  clustertwin ui --json`,
    )
    .option('--port <n>', 'port to listen on (0: a free one)', '0')
    .option('--host <address>', 'address to listen on (anything but loopback lets other machines in)', '127.0.0.1')
    .option('--open', 'open the page in the desktop browser')
    .option('--json', 'print {"url": ...} as one JSON line instead of a sentence')
    .action(async (opts) => {
      const port = numberFlag(opts.port, '--port', { min: 0, max: 65535, integer: true });
      const host = String(opts.host);
      const ui = await startUiServer({ host, port });
      if (!isLoopback(host)) process.stderr.write(`warning: --host ${host} is not loopback: other machines that can reach it can open the page\n`);
      process.stdout.write(opts.json ? `${JSON.stringify({ url: ui.url })}\n` : `clustertwin ui: ${ui.url} (Ctrl-C to stop)\n`);
      if (opts.open) openBrowser(ui.url);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void ui.close().then(resolve);
          // Keep-alive connections from the browser would hold close() open.
          ui.server.closeAllConnections();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
