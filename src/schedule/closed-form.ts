/**
 * A closed-form estimate of the step time from the same costs the event
 * simulation uses: the bottleneck stage's work per micro-batch times the
 * micro-batches, plus the pipeline's fill and drain ((pp - 1) / vp passes),
 * plus the tail of gradient reduction, optimizer and weight gather. It is
 * what the planner ranks thousands of configurations with; the event
 * simulation re-checks the best.
 */
import type { Execution } from '../config/execution-schema.js';
import { exposedParamGatherSeconds, stageRankWaitSeconds, type PassCost, type StepCosts } from './step-costs.js';

const passSeconds = (p: PassCost): number => p.seconds;

export function estimateStepSeconds(e: Execution, costs: StepCosts): number {
  const m = e.microbatches;
  // A blocking send holds the compute stream; an asynchronous one slows the compute beside it.
  const blockingP2p = e.overlap.pp ? (costs.p2pInterferenceSeconds ?? 0) : costs.p2pSeconds;
  let maxWork = 0;
  let sumWork = 0;
  const works = costs.stages.map((st, s) => {
    let w = 0;
    for (let c = 0; c < st.forward.length; c++) {
      w += passSeconds(st.forward[c]) + passSeconds(st.backward[c]);
      // Blocking sends: every pass but the last stage's forward and the first stage's backward sends.
      const sendsF = s < e.pp - 1 || c < e.vp - 1 ? 1 : 0;
      const sendsB = s > 0 || c > 0 ? 1 : 0;
      w += (sendsF + sendsB) * blockingP2p;
    }
    maxWork = Math.max(maxWork, w);
    sumWork += w;
    return w;
  });
  const pp = e.pp;
  const meanWork = sumWork / pp;
  const fill = pp > 1 ? ((pp - 1) / e.vp) * meanWork + 2 * (pp - 1) * costs.p2pSeconds : 0;
  const pipeline = m * maxWork + fill;

  let step = 0;
  costs.stages.forEach((st, s) => {
    const dp = st.dpReduceSeconds.reduce((a, b) => a + b, 0);
    let lastBackward = 0;
    for (const b of st.backward) lastBackward += passSeconds(b);
    const dpExposed = e.overlap.dp ? Math.max(dp / Math.max(1, st.forward.length * 4), dp - lastBackward) : dp;
    const gather = exposedParamGatherSeconds(e, st);
    // A stage lighter than the bottleneck finishes its passes earlier by the difference.
    // The barrier also waits for the stage's slowest rank (rank-variation.ts).
    const stageEnd = pipeline - m * (maxWork - works[s]) + dpExposed + stageRankWaitSeconds(costs, st, m) + st.optimizerSeconds + gather;
    step = Math.max(step, stageEnd);
  });
  return step;
}
