/**
 * The flags given on a command line, as a shell command's words: the reports quote them so a reader
 * can rerun the figures (`report serve`, `report fleet`, `report facility`).
 */
import type { Command } from '@commander-js/extra-typings';

/** A word as a POSIX shell reads it: quoted when it holds anything but safe characters. */
export const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The flags of `cmd` given on the command line, as arguments (those in `leaveOut`, by attribute name, left out). */
export function givenFlags(cmd: Command<any, any>, leaveOut: ReadonlySet<string>): string {
  const values = cmd.opts() as Record<string, unknown>;
  const words: string[] = [];
  for (const o of cmd.options) {
    const key = o.attributeName();
    if (leaveOut.has(key) || cmd.getOptionValueSource(key) !== 'cli' || !o.long) continue;
    const v = values[key];
    // A negated flag (--no-swing) or a switch takes no value.
    if (o.negate || typeof v === 'boolean') words.push(o.long);
    else words.push(o.long, shellWord(String(v)));
  }
  return words.join(' ');
}
