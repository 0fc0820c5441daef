/**
 * The `clustertwin` command line. Each command parses, calls the library and
 * prints. User errors print one line and exit with code 2; nothing else
 * prints a stack trace unless CLUSTERTWIN_DEBUG is set.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { ClusterTwinError, MAX_ECHO_CHARS } from '../errors.js';
import { oneLine, userErrorLine } from '../user-error-line.js';
import { simulateCommand } from './commands/simulate.js';
import { presetsCommand } from './commands/presets.js';
import { collectiveCommand } from './commands/collective.js';
import { validateCommand } from './commands/validate.js';
import { reliabilityCommand } from './commands/reliability.js';
import { planCommand } from './commands/plan.js';
import { sweepCommand } from './commands/sweep.js';
import { mergeCommand } from './commands/merge.js';
import { serveCommand } from './commands/serve.js';
import { servePlanCommand } from './commands/serve-plan.js';
import { reportCommand } from './commands/report.js';
import { uiCommand } from './commands/ui.js';
import { facilityCommand } from './commands/facility.js';
import { fleetCommand } from './commands/fleet.js';
import { calibrateCommand } from './commands/calibrate.js';
import { compareCommand } from './commands/compare.js';
import { importCommand } from './commands/import.js';
import { exportCommand } from './commands/export.js';

/** The user error line lives beside the engine so the web page prints the same one. */
export { userErrorLine };

export const EXIT_USAGE = 2;
/** An error of ours, not the user's (BSD sysexits EX_SOFTWARE): the one-line message asks for a report. */
export const EXIT_INTERNAL = 70;

export function buildProgram(): Command {
  const program = new Command('clustertwin')
    .description('A digital twin of an AI supercomputer: training step time, memory, time to train, cost and energy.')
    .version('0.1.0')
    // Options after a subcommand are its own (as `report serve --model ...`, whose parent has a --model too).
    .enablePositionalOptions();
  program.addCommand(simulateCommand());
  program.addCommand(presetsCommand());
  program.addCommand(collectiveCommand());
  program.addCommand(validateCommand());
  program.addCommand(reliabilityCommand());
  program.addCommand(planCommand());
  program.addCommand(sweepCommand());
  program.addCommand(mergeCommand());
  program.addCommand(serveCommand());
  program.addCommand(servePlanCommand());
  program.addCommand(reportCommand());
  program.addCommand(uiCommand());
  program.addCommand(facilityCommand());
  program.addCommand(fleetCommand());
  program.addCommand(calibrateCommand());
  program.addCommand(compareCommand());
  program.addCommand(importCommand());
  program.addCommand(exportCommand());
  // Every command exits through our handler rather than process.exit.
  const override = (c: Command<any, any>): void => {
    c.exitOverride();
    // Commander's own usage errors are one line too ("unknown option ... (Did you mean ...?)").
    c.configureOutput({ outputError: (str, write) => write(`${oneLine(`${shortenQuoted(str)} (see --help)`)}\n`) });
    c.commands.forEach((sub) => override(sub as Command<any, any>));
  };
  override(program as Command<any, any>);
  return program;
}

/** Commander quotes the user's value whole ('xxxx...'): cut a long one as our own messages do. */
const shortenQuoted = (s: string): string =>
  s.replace(new RegExp(`'([^']{${MAX_ECHO_CHARS + 1},})'`, 'g'), (_, v: string) => `'${v.slice(0, MAX_ECHO_CHARS)}...' (${v.length.toLocaleString('en-US')} characters)`);

/** The line for an exception that is not the user's: a bug of ours, to be reported. */
export function internalErrorLine(err: unknown): string {
  const what = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return oneLine(`error: internal error: ${what} (a bug in clustertwin: please report it with the command line; CLUSTERTWIN_DEBUG=1 prints the stack)`);
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    // Inside the boundary: building the commands reads the presets, which can fail too.
    const program = buildProgram();
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors (already printed by commander) exit 2.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (err instanceof ClusterTwinError) {
      process.stderr.write(`${userErrorLine(err)}\n`);
      return EXIT_USAGE;
    }
    if (process.env.CLUSTERTWIN_DEBUG) throw err;
    process.stderr.write(`${internalErrorLine(err)}\n`);
    return EXIT_INTERNAL;
  }
}
