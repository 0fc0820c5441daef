// Runs the CLI entry (src/cli/main.ts, through tsx) in a worker thread for the fuzz suite: the
// parent gives it a heap limit and a time limit, so a case that hangs or exhausts the heap fails
// its test instead of taking the test run down. One worker runs many cases (the presets stay read).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../../src/cli/main.ts');

let stdout = '';
let stderr = '';
process.stdout.write = (chunk) => ((stdout += String(chunk)), true);
process.stderr.write = (chunk) => ((stderr += String(chunk)), true);

parentPort.on('message', async ({ id, args }) => {
  stdout = '';
  stderr = '';
  let code;
  let escaped;
  try {
    code = await main(args);
  } catch (err) {
    // main() lets nothing out unless CLUSTERTWIN_DEBUG is set: anything here is a defect.
    code = -1;
    escaped = String(err && err.stack ? err.stack : err);
  }
  parentPort.postMessage({ id, code, stdout, stderr, escaped });
});
parentPort.postMessage({ ready: true });
