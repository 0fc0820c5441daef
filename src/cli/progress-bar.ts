/**
 * A progress bar on stderr for the CLI's slow loops (the reliability Monte Carlo, the fleet's hours):
 * started on the first update, so a run that ends at once draws nothing. `off` (no terminal, --json,
 * a test) gives none.
 */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  update: (done: number, total: number) => void;
  stop: () => void;
}

/** `format` is cli-progress's, e.g. `Fleet [{bar}] {percentage}% | hour {value}/{total}`. */
export function progressBar(off: boolean, format: string): ProgressBar | undefined {
  if (off) return undefined;
  const bar = new cliProgress.SingleBar({ format, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
