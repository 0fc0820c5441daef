/** Reads a `serve --trace` file (at most MAX_TRACE_BYTES, a regular file); parsing is the engine's (src/serving/trace-text.ts). */
import { readFileSync, statSync } from 'node:fs';
import { ClusterTwinError } from '../errors.js';
import { MAX_TRACE_BYTES } from '../config/bounds.js';
import type { RequestTable } from '../serving/arrivals.js';
import { parseTrace } from '../serving/trace-text.js';

export function readTraceFile(file: string): RequestTable {
  const fail = (why: string): never => {
    throw new ClusterTwinError('config_file', 'trace', `${file}: ${why}`);
  };
  let size = 0;
  try {
    const st = statSync(file);
    if (st.isDirectory()) fail('is a folder, not a trace file');
    // A FIFO or a device could stream for ever: only regular files, whose size is known.
    if (!st.isFile()) fail('is not a regular file');
    size = st.size;
  } catch (err) {
    if (err instanceof ClusterTwinError) throw err;
    fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (size > MAX_TRACE_BYTES) fail(`is ${(size / 2 ** 20).toFixed(0)} MiB; at most ${MAX_TRACE_BYTES / 2 ** 20} MiB is read (cut the trace)`);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  return parseTrace(text, file);
}
