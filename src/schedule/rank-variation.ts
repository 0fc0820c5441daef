/**
 * Waiting for the slowest rank. GPUs of one SKU do not run alike: power
 * management and manufacturing spread their kernel times, and a GPU that is
 * slow is slow all step (Sinha et al., SC'22, ranked the same GPUs the same
 * way run after run). A synchronous step cannot end before its slowest rank:
 * TP collectives wait for the slowest of the TP group every layer, pipeline
 * stages for their slowest member, and the gradient reduction and optimizer
 * barrier for every GPU of the job. So the step pays, over the compute between
 * its synchronisations, the expected maximum of the per-GPU slowdown over the
 * GPUs that synchronise: cv x E[max of n standard normals] of that compute.
 *
 * The per-GPU spread (the GPU preset's `kernelTimeCv`) and why it is taken as
 * normal are in docs/sources/variability.md. A GPU without a figure waits for
 * no one; `rankVariation: off` turns the wait off.
 */
import type { RankVariation } from '../config/execution-schema.js';

/** Upper tail Q(x) = P(Z > x) of the standard normal (erfc by Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function normalUpperTail(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  const q = 0.5 * erfc;
  return x >= 0 ? q : 1 - q;
}

/** log P(Z <= x), accurate in both tails (log1p keeps 1 - Q(x) exact for large x, where n x Q(x) matters). */
function logNormalCdf(x: number): number {
  return x >= 0 ? Math.log1p(-normalUpperTail(x)) : Math.log(normalUpperTail(-x));
}

const LOW = -8;
const HIGH = 10;
const STEP = 1e-3;
const maxCache = new Map<number, number>();

/**
 * E[max of n iid standard normals], by E[M] = ∫0^∞ (1 - F^n) dx - ∫-∞^0 F^n dx with F^n = exp(n log F)
 * (trapezoid rule, step 1e-3 over [-8, 10]: beyond them both integrands are below 1e-14 for 2 <= n <= 1e8).
 * 0 for one rank: nobody to wait for. Remembered per n.
 */
export function expectedMaxStandardNormal(n: number): number {
  const ranks = Math.floor(n);
  if (!(ranks > 1)) return 0;
  const hit = maxCache.get(ranks);
  if (hit !== undefined) return hit;
  // Trapezoids on each side of 0, where the integrand jumps by 1.
  const fn = (x: number): number => Math.exp(ranks * logNormalCdf(x));
  const trapezoid = (from: number, to: number, f: (x: number) => number): number => {
    const steps = Math.round((to - from) / STEP);
    let sum = 0.5 * (f(from) + f(to));
    for (let i = 1; i < steps; i++) sum += f(from + i * STEP);
    return sum;
  };
  const sum = trapezoid(0, HIGH, (x) => 1 - fn(x)) - trapezoid(LOW, 0, fn);
  const value = sum * STEP;
  if (maxCache.size > 10_000) maxCache.clear();
  maxCache.set(ranks, value);
  return value;
}

/**
 * The share of the compute between synchronisations that waiting for the slowest of `ranks` GPUs adds:
 * kernelTimeCv x E[max of ranks standard normals]; 0 when the switch is off or the GPU has no figure.
 */
export function rankWaitFraction(mode: RankVariation, kernelTimeCv: number | undefined, ranks: number): number {
  if (mode === 'off' || !kernelTimeCv || kernelTimeCv <= 0) return 0;
  return kernelTimeCv * expectedMaxStandardNormal(ranks);
}
