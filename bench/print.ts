/** Prints a tinybench run as `name: mean per run` lines. */
import type { Bench } from 'tinybench';

export function printBench(title: string, bench: Bench): void {
  console.log(`\n${title}`);
  for (const task of bench.tasks) {
    const r = task.result as { latency?: { mean: number }; mean?: number } | undefined;
    const meanMs = r?.latency?.mean ?? r?.mean ?? Number.NaN;
    console.log(`  ${task.name}: ${meanMs < 0.1 ? `${(meanMs * 1000).toFixed(1)} µs` : `${meanMs.toFixed(3)} ms`} per run`);
  }
}

/** Formats a figure measured outside tinybench. */
export function printFigure(name: string, value: string): void {
  console.log(`  ${name}: ${value}`);
}
