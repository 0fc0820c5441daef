/**
 * Cheap bounds on one deployment, from its step timer alone (no simulation), so a plan can drop
 * most candidates before simulating any:
 * - TTFT floor: the prefill of one prompt on an idle replica (its chunks in turn). No request
 *   of that prompt length can have its first token sooner.
 * - TPOT floor: one decode step of a single request at the prompt's context. Every output token
 *   after the first needs at least one step holding its request, and a step with more in it is
 *   no faster, so no request's time per output token is lower.
 * - Capacity: an upper bound on the requests a second one replica sustains. Decode: a step with
 *   n requests decoding (n at most the batch limit and what the KV cache holds at the prompt's
 *   length) takes at least the decode step of n requests at the prompt's context, so the replica
 *   makes at most max_n n / step(n) output tokens a second after the first, and each request
 *   needs osl - 1 of them. Prefill: at most the step budget's tokens per step, at the speed of a
 *   step of that many prompt tokens with no prior context. The capacity is the smaller of the two.
 *   The replica count a plan tries first is the traffic over this capacity, and no plan uses fewer.
 * All three assume a step is never faster for holding more work, as the step model is built.
 */
import type { BatchShape, StepTimer } from '../batch.js';

export interface DeploymentBounds {
  ttftFloorSeconds: number;
  tpotFloorSeconds: number;
  /** The floor of a whole request: TTFT floor plus osl - 1 TPOT floors. */
  e2eFloorSeconds: number;
  /** Requests a second one replica can sustain at most, with this batch limit. */
  capacityRequestsPerSecond: (maxBatch: number) => number;
}

/** Grid of decode batch sizes the capacity is bounded on: each about 1.25x the last. */
function decodeGrid(max: number): number[] {
  const g: number[] = [];
  for (let n = 1; n < max; n = Math.max(n + 1, Math.floor(n * 1.25))) g.push(n);
  g.push(max);
  return g;
}

const decodeStep = (n: number, context: number): BatchShape => ({ prefillTokens: 0, prefillRequests: 0, prefillPriorTokens: 0, decodeRequests: n, decodeContextTokens: n * context });

export interface BoundsInput {
  timer: StepTimer;
  kvCacheTokens: number;
  isl: number;
  osl: number;
  maxBatchedTokens: number;
  /** The largest batch limit that will be asked about. */
  maxBatchLimit: number;
}

export function deploymentBounds(x: BoundsInput): DeploymentBounds {
  const { timer, isl, osl } = x;
  let ttft = 0;
  for (let prior = 0; prior < isl; ) {
    const chunk = Math.min(isl - prior, x.maxBatchedTokens);
    ttft += timer.stepSeconds({ prefillTokens: chunk, prefillRequests: 1, prefillPriorTokens: prior, decodeRequests: 0, decodeContextTokens: 0 });
    prior += chunk;
  }
  const tpot = timer.stepSeconds(decodeStep(1, isl));
  // Decoding requests each hold at least the prompt and one token in the KV cache.
  const kvRequests = Math.max(1, Math.floor(x.kvCacheTokens / (isl + 1)));
  const grid = decodeGrid(Math.max(1, Math.min(kvRequests, x.maxBatchLimit)));
  const stepAt = grid.map((n) => timer.stepSeconds(decodeStep(n, isl)));
  // Prefill tokens a second: a full step budget of prompt tokens, as few requests as hold them.
  const prefillStep = (tokens: number): number => timer.stepSeconds({ prefillTokens: tokens, prefillRequests: Math.ceil(tokens / isl), prefillPriorTokens: 0, decodeRequests: 0, decodeContextTokens: 0 });
  const budget = x.maxBatchedTokens;
  const prefillTokensPerSecond = Math.max(budget / prefillStep(budget), Math.min(isl, budget) / prefillStep(Math.min(isl, budget)));
  const prefillBound = prefillTokensPerSecond / isl;
  return {
    ttftFloorSeconds: ttft,
    tpotFloorSeconds: tpot,
    e2eFloorSeconds: ttft + (osl - 1) * tpot,
    capacityRequestsPerSecond: (maxBatch: number) => {
      if (osl <= 1) return prefillBound;
      const nMax = Math.min(maxBatch, kvRequests);
      // n in [grid[k], grid[k+1]) makes at most grid[k+1] / step(grid[k]) tokens a second.
      let tokensPerSecond = 0;
      for (let k = 0; k < grid.length && grid[k] <= nMax; k++) {
        const upper = Math.min(k + 1 < grid.length ? grid[k + 1] : grid[k], nMax);
        tokensPerSecond = Math.max(tokensPerSecond, upper / stepAt[k]);
      }
      return Math.min(tokensPerSecond / (osl - 1), prefillBound);
    },
  };
}
