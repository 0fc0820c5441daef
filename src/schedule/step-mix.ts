/**
 * The step's own mix of work, from its costs: the seconds one GPU spends in tensor-core work (GEMMs,
 * fused attention) and the seconds it is busy, summed over the pipeline stages, for the sustained
 * clock (compute/power-clock.ts).
 *
 * Busy time is every pass on its stage's compute stream (kernels plus the communication they wait
 * for), the optimizer step, and the gradient reduction and weight gather where they are not hidden.
 * Pipeline bubbles are left out: they are whole passes long (tens to hundreds of milliseconds), far
 * longer than the 1.6 ms GEMM-and-copy periods over which the duty sweep measured the clock, so the
 * power controller settles within the steady 1F1B phase, not over the step's average.
 */
import type { Execution } from '../config/execution-schema.js';
import type { StepMix } from '../compute/power-clock.js';
import { exposedParamGatherSeconds, type StepCosts } from './step-costs.js';

export function stepMix(e: Execution, costs: StepCosts): StepMix {
  let tensorSeconds = 0;
  let busySeconds = 0;
  // Plain loops: the planner asks this for every configuration it estimates.
  for (const st of costs.stages) {
    for (const passes of [st.forward, st.backward]) {
      for (const p of passes) {
        tensorSeconds += p.tensorSeconds ?? 0;
        busySeconds += p.seconds;
      }
    }
  }
  tensorSeconds *= e.microbatches;
  busySeconds *= e.microbatches;
  for (const st of costs.stages) {
    busySeconds += st.optimizerSeconds + exposedParamGatherSeconds(e, st);
    if (!e.overlap.dp) for (const r of st.dpReduceSeconds) busySeconds += r;
  }
  return { tensorSeconds, busySeconds };
}
