/**
 * The `clustertwin` command line. Each command parses, calls the library and
 * prints. User errors print one line and exit with code 2; nothing else
 * prints a stack trace unless CLUSTERTWIN_DEBUG is set.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { ClusterTwinError } from '../errors.js';
import { FLAG_OF_KEY } from './scenario-options.js';
import { simulateCommand } from './commands/simulate.js';
import { presetsCommand } from './commands/presets.js';
import { collectiveCommand } from './commands/collective.js';
import { validateCommand } from './commands/validate.js';
import { reliabilityCommand } from './commands/reliability.js';
import { planCommand } from './commands/plan.js';
import { sweepCommand } from './commands/sweep.js';

export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('clustertwin')
    .description('A digital twin of an AI supercomputer: training step time, memory, time to train, cost and energy.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });
  program.addCommand(simulateCommand());
  program.addCommand(presetsCommand());
  program.addCommand(collectiveCommand());
  program.addCommand(validateCommand());
  program.addCommand(reliabilityCommand());
  program.addCommand(planCommand());
  program.addCommand(sweepCommand());
  // Every command exits through our handler rather than process.exit.
  const override = (c: Command<any, any>): void => {
    c.exitOverride();
    c.commands.forEach((sub) => override(sub as Command<any, any>));
  };
  override(program as Command<any, any>);
  return program;
}

/** Formats an error the user can act on as one line. */
export function userErrorLine(err: ClusterTwinError): string {
  // Scenario keys name their flag; other simple field names are flags in kebab case.
  const path = FLAG_OF_KEY[err.path] ?? (/^[a-z][a-zA-Z]*$/.test(err.path) ? `--${err.path.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : err.path);
  const message = err.path ? err.message.slice(err.path.length + 2) : err.message;
  return `error: ${path ? `${path}: ` : ''}${message}`;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
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
    process.stderr.write(`error: internal error: ${(err as Error).message} (set CLUSTERTWIN_DEBUG=1 for details)\n`);
    return 1;
  }
}
