/**
 * The classic first answers for how often to checkpoint: Young (1974),
 * sqrt(2 x cost x MTBF), and Daly's higher-order correction (2006). Both take
 * the training stall per checkpoint and the mean time between unplanned
 * interruptions; both ignore restart time and asynchronous saves, which the
 * renewal model and the Monte Carlo include.
 */

/** Young's interval, seconds of training between checkpoints. */
export function youngIntervalSeconds(checkpointSeconds: number, mtbfSeconds: number): number {
  return Math.sqrt(2 * checkpointSeconds * mtbfSeconds);
}

/** Daly's interval: Young's with the higher-order terms; the MTBF itself when a checkpoint costs half of it or more. */
export function dalyIntervalSeconds(checkpointSeconds: number, mtbfSeconds: number): number {
  const d = checkpointSeconds;
  const m = mtbfSeconds;
  if (!Number.isFinite(m)) return Infinity;
  if (d >= 2 * m) return m;
  const r = d / (2 * m);
  return Math.sqrt(2 * d * m) * (1 + Math.sqrt(r) / 3 + r / 9) - d;
}
