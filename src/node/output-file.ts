/**
 * The one writer of `--out` files. A regular file (or a new one) is written whole or not at all:
 * to a temporary file beside it, then renamed over it, so a failure leaves the old file as it was
 * and no temporary behind. Anything else is never replaced: a symlink is followed and its target
 * written the same way (the link stays a link); a device, a FIFO or a socket (`/dev/stdout`,
 * `/dev/null`, a named pipe with a reader) is written through in place; a directory, a dangling
 * path or a FIFO nobody reads is refused with one line naming --out.
 */
import { closeSync, constants, existsSync, lstatSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ClusterTwinError } from '../errors.js';

const fail = (flag: string, file: string, why: string): ClusterTwinError => new ClusterTwinError('output_file', flag, `cannot write ${file}: ${why}`);

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'over the disk quota',
  ENXIO: 'nothing is reading the named pipe',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

const reason = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return REASONS[code] ? `${REASONS[code]} (${code})` : code;
};

function writeAll(fd: number, data: Buffer): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at);
}

/** What --out names: the path to write (a symlink's target) and what is there now (undefined: nothing). */
function outputTarget(file: string, flag: string): { target: string; stat: Stats | undefined } {
  if (file === '') throw fail(flag, '""', 'the name is empty');
  try {
    let stat = lstatSync(file);
    let target = file;
    if (stat.isSymbolicLink()) {
      // The link's target is what the user means; a dangling link names nothing to write.
      try {
        target = realpathSync(file);
      } catch {
        throw fail(flag, file, 'the symbolic link points nowhere');
      }
      stat = statSync(target);
    }
    if (stat.isDirectory()) throw fail(flag, file, 'it is a folder');
    return { target, stat };
  } catch (err) {
    if (err instanceof ClusterTwinError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(flag, file, reason(err));
  }
  if (!existsSync(dirname(file))) throw fail(flag, file, 'its folder does not exist');
  return { target: file, stat: undefined };
}

/**
 * Checks before any work that --out names something writable in kind (not a folder, a dangling
 * link or a path whose folder is missing), so a long run does not fail only at its end.
 */
export function checkOutputFile(file: string, flag = '--out'): void {
  outputTarget(file, flag);
}

/** Writes `text` (UTF-8) or bytes to `file` as described above; throws a ClusterTwinError on `flag` otherwise. */
export function writeOutputFile(file: string, text: string | Uint8Array, flag = '--out'): void {
  const { target, stat } = outputTarget(file, flag);
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  if (stat && !stat.isFile()) {
    // A device, FIFO or socket: write through it in place (never replace it). O_NONBLOCK so a FIFO
    // without a reader fails at once (ENXIO) instead of waiting forever.
    let fd: number;
    try {
      fd = openSync(target, constants.O_WRONLY | (stat.isFIFO() ? constants.O_NONBLOCK : 0));
    } catch (err) {
      throw fail(flag, file, reason(err));
    }
    try {
      writeAll(fd, data);
    } catch (err) {
      throw fail(flag, file, reason(err));
    } finally {
      closeSync(fd);
    }
    return;
  }
  // A regular file, or none yet: a temporary beside it (created exclusively), then a rename.
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  let created = false;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, stat ? stat.mode & 0o777 : 0o666);
    created = true;
    writeAll(fd, data);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    // Only the temporary this call created: never a file that happened to have its name.
    if (created && existsSync(tmp)) unlinkSync(tmp);
    throw fail(flag, file, reason(err));
  }
}
