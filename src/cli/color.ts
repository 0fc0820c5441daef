/**
 * Terminal colours for the CLI. picocolors on its own turns colour on whenever a `CI` variable is set,
 * even when stdout is a pipe or a file, which puts escape codes into captured output. We colour only
 * a terminal: NO_COLOR (https://no-color.org) turns it off, FORCE_COLOR (other than 0) turns it on.
 */
import { createColors } from 'picocolors';

export function colorWanted(env: NodeJS.ProcessEnv, stdoutIsTty: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stdoutIsTty;
}

export const pc = createColors(colorWanted(process.env, Boolean(process.stdout.isTTY)));
