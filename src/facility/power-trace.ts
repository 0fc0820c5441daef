/**
 * The facility's IT power over a few training steps, for the power-swing picture: the step's
 * profile repeated, a checkpoint's pause (the GPUs at their low power while the state is saved),
 * more steps, then a failure that stops the failure's GPUs at once (their power falls at the GPU's
 * slew rate and stays down while the job waits to restart). Built from `powerSwing`'s figures only,
 * so the picture shows the same amplitude, period and ramps `clustertwin facility` prints.
 *
 *   step x before ─► checkpoint pause ─► step x after ─► failure (ramp down over one slew) ─► held
 */
import type { PowerSwing } from './power-swing.js';

/** One corner of the trace: power from `seconds` on (a step function) unless the next point ramps. */
export interface PowerTracePoint {
  seconds: number;
  itMW: number;
}

export interface PowerTrace {
  /** In time order; between two points power holds the first's value, except the failure's ramp, drawn as two points one slew apart. */
  points: PowerTracePoint[];
  checkpoint: { startSeconds: number; endSeconds: number; itMW: number };
  failure: { atSeconds: number; itMWAfter: number };
  endSeconds: number;
}

export interface PowerTraceOptions {
  /** Steps before the checkpoint (default 3). */
  stepsBefore?: number;
  /** Steps between the checkpoint and the failure (default 2). */
  stepsAfter?: number;
  /** Time shown after the failure, seconds (default one step). */
  afterFailureSeconds?: number;
}

export function powerTrace(s: PowerSwing, opts: PowerTraceOptions = {}): PowerTrace {
  const before = opts.stepsBefore ?? 3;
  const after = opts.stepsAfter ?? 2;
  const T = s.periodSeconds;
  const points: PowerTracePoint[] = [];
  let t = 0;
  const steps = (n: number): void => {
    for (let k = 0; k < n; k++) {
      for (const seg of s.profile) points.push({ seconds: t + seg.startSeconds, itMW: seg.itMW });
      t += T;
    }
  };
  steps(before);
  const checkpointMW = s.meanMW - s.checkpoint.dropMW;
  const checkpoint = { startSeconds: t, endSeconds: t + s.checkpoint.pauseSeconds, itMW: checkpointMW };
  points.push({ seconds: t, itMW: checkpointMW });
  t += s.checkpoint.pauseSeconds;
  steps(after);
  // The failure: from the step's mean (the job at work) down to what is left once its GPUs idle.
  const failMW = s.meanMW - s.failure.dropMW;
  points.push({ seconds: t, itMW: s.meanMW });
  points.push({ seconds: t + s.slewSeconds, itMW: failMW });
  const failure = { atSeconds: t, itMWAfter: failMW };
  const end = t + (opts.afterFailureSeconds ?? T);
  points.push({ seconds: end, itMW: failMW });
  return { points, checkpoint, failure, endSeconds: end };
}
