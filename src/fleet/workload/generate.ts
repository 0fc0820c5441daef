/**
 * Seeded workload generators matched to a published cluster summary (acme-summary.ts; the model
 * in fit.ts). Arrivals are a Poisson process whose rate makes the offered load (GPU-seconds asked
 * per second) `offeredLoad` of the fleet's GPUs: rate = offeredLoad x gpus / E[GPUs x runtime].
 * Every job is `normal` priority of one tenant named after the generator: the summaries record no
 * priorities or tenants.
 */
import { ClusterTwinError, echo } from '../../errors.js';
import { seededRng } from '../../reliability/prng.js';
import type { FleetJob } from '../job.js';
import { CLUSTER_SUMMARIES, type ClusterSummary } from './acme-summary.js';
import { fitWorkload, meanGpuSeconds, sizeExponent, type FittedWorkload } from './fit.js';
import { normalPair } from './normal.js';

export const WORKLOAD_KINDS = ['acme-seren', 'acme-kalos', 'philly', 'helios'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

const SUMMARY_OF: Record<WorkloadKind, ClusterSummary> = {
  'acme-seren': CLUSTER_SUMMARIES.seren,
  'acme-kalos': CLUSTER_SUMMARIES.kalos,
  philly: CLUSTER_SUMMARIES.philly,
  helios: CLUSTER_SUMMARIES.helios,
};

/**
 * The default offered load: 85% of the fleet, the top of the 83-85% utilisation Kokolis et al.
 * (2024, "Revisiting Reliability in Large-Scale Machine Learning Research Clusters") report for
 * Meta's RSC-1 and RSC-2 (issue #17 cites it). A queue that is never offered more than it can serve
 * is as busy as its offered load, so this is the utilisation a well-run fleet sees.
 */
export const DEFAULT_OFFERED_LOAD = 0.85;

export interface WorkloadOptions {
  /** GPUs in the fleet: the offered load is a share of them. */
  gpus: number;
  /** Length of the submission window, days. */
  days: number;
  seed: number;
  /** The largest job, GPUs (default `gpus`): larger draws are clamped to it. */
  maxJobGpus?: number;
  /** GPU-seconds asked per second over the fleet's GPUs (default DEFAULT_OFFERED_LOAD). An addition to the contract's options. */
  offeredLoad?: number;
}

const fits = new Map<WorkloadKind, FittedWorkload>();

/** The fitted model for a generator kind (fitted once, ~50 ms). */
export function fittedWorkload(kind: WorkloadKind): FittedWorkload {
  let f = fits.get(kind);
  if (!f) {
    f = fitWorkload(SUMMARY_OF[kind]);
    fits.set(kind, f);
  }
  return f;
}

function checkOptions(kind: string, opts: WorkloadOptions): void {
  if (!(WORKLOAD_KINDS as readonly string[]).includes(kind)) {
    throw new ClusterTwinError('unknown_preset', 'generator', `must be one of ${WORKLOAD_KINDS.join(', ')}; got ${echo(kind)}`);
  }
  const whole = (name: string, v: unknown, min: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ClusterTwinError('invalid_value', name, `must be a whole number >= ${min}; got ${echo(v)}`);
  };
  whole('gpus', opts.gpus, 1);
  whole('seed', opts.seed, 0);
  if (opts.maxJobGpus !== undefined) whole('maxJobGpus', opts.maxJobGpus, 1);
  if (typeof opts.days !== 'number' || !Number.isFinite(opts.days) || opts.days <= 0) throw new ClusterTwinError('invalid_value', 'days', `must be a number > 0; got ${echo(opts.days)}`);
  const load = opts.offeredLoad;
  if (load !== undefined && (typeof load !== 'number' || !Number.isFinite(load) || load <= 0)) throw new ClusterTwinError('invalid_value', 'offeredLoad', `must be a number > 0; got ${echo(load)}`);
}

/** Jobs submitted over `days`, sorted by submission, drawn from the kind's fitted model with `seed`. */
export function generateWorkload(kind: WorkloadKind, opts: WorkloadOptions): FleetJob[] {
  checkOptions(kind, opts);
  const f = fittedWorkload(kind);
  const maxGpus = Math.min(opts.maxJobGpus ?? opts.gpus, opts.gpus);
  const ratePerSecond = ((opts.offeredLoad ?? DEFAULT_OFFERED_LOAD) * opts.gpus) / meanGpuSeconds(f, maxGpus);
  const windowSeconds = opts.days * 86400;
  const rng = seededRng(opts.seed);
  const condSigma = f.sigma * Math.sqrt(1 - f.rho * f.rho);
  const jobs: FleetJob[] = [];
  let t = rng.exponential(ratePerSecond);
  while (t < windowSeconds) {
    const [z1, z2] = normalPair(rng);
    const u = rng.next();
    let s = f.states[f.states.length - 1];
    for (let acc = 0, i = 0; i < f.states.length; i++) {
      acc += f.states[i].share;
      if (u < acc) {
        s = f.states[i];
        break;
      }
    }
    const gpus = Math.min(maxGpus, 2 ** sizeExponent(f, z1));
    const runtime = Math.exp(f.mu + Math.log(s.multiplier) + f.sigma * f.rho * z1 + condSigma * z2);
    jobs.push({
      id: `${kind}-${jobs.length + 1}`,
      submitSeconds: t,
      gpus,
      // Whole seconds, as the traces record them; at least one.
      durationSeconds: Math.max(1, Math.round(Math.min(f.maxRuntimeSeconds, runtime))),
      priority: 'normal',
      tenant: kind,
      traceState: s.state,
    });
    t += rng.exponential(ratePerSecond);
  }
  return jobs;
}
