/** Entry point of the `clustertwin` executable. */
import { EXIT_INTERNAL, internalErrorLine, main } from './main.js';

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
    // Only CLUSTERTWIN_DEBUG lets an exception out of main: then the stack is what was asked for.
    if (process.env.CLUSTERTWIN_DEBUG) console.error(err);
    else process.stderr.write(`${internalErrorLine(err)}\n`);
    process.exitCode = EXIT_INTERNAL;
  },
);
