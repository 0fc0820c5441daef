/** Entry point of the `clustertwin` executable. */
import { main } from './main.js';

// A reader that stops early (`clustertwin plan | head`) closes the pipe: that is not an error of ours,
// so leave quietly instead of printing Node's stack trace for EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
