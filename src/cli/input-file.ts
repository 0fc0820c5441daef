/**
 * Reads a user's input file (an nccl-tests output, a training log) whole, bounded, with a one-line
 * error naming the flag: a missing file, a folder or an endless device is the user's to fix.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ClusterTwinError } from '../errors.js';

/** 64 MiB: a long nccl-tests sweep or training log is a few MB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export interface InputFile {
  path: string;
  text: string;
  /** sha256 of the bytes read, hex. */
  sha256: string;
}

export function readInputFile(path: string, flag: string): InputFile {
  const fail = (why: string) => new ClusterTwinError('config_file', flag, `cannot read ${path}: ${why}`);
  let fd: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw fail('it is a folder, not a file');
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof ClusterTwinError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw fail(code === 'ENOENT' ? 'no such file (ENOENT)' : code === 'EACCES' ? 'permission denied (EACCES)' : code);
  }
  try {
    const buf = Buffer.alloc(MAX_INPUT_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_INPUT_BYTES) throw fail(`larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
    const bytes = buf.subarray(0, n);
    return { path, text: bytes.toString('utf8'), sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    closeSync(fd);
  }
}
