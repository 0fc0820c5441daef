/**
 * Replicas behind a router. Each replica is simulated with its own scheduler, step model and KV
 * budget on one shared clock (`runServing`); the router picks a replica for each arrival.
 *
 * The shortcut `simulateFleetShortcut` simulates one replica at rate / replicas and scales its
 * throughput by the number of replicas. What it assumes, stated plainly:
 * - Identical replicas and a Poisson stream. Sending each request to a replica chosen at random
 *   (independently of everything) splits a Poisson stream into independent Poisson streams at
 *   rate / replicas, so the shortcut is exact in distribution for `random` routing only.
 * - Round-robin gives each replica every R-th arrival: gaps are Erlang-R, less bursty than
 *   Poisson, so queues are shorter than the shortcut's, and the shortcut overstates queueing delay.
 *   Least-outstanding routing balances what each replica holds, not when it will be free; its
 *   means agree with the shortcut's, its TTFT tail need not (below). Throughput is the same while
 *   the fleet keeps up.
 * - Latency percentiles come from one replica's 1/R share of the requests: the same
 *   distribution, with more sampling noise. Request counts and records are that one replica's
 *   (about 1/R of the fleet's); only the two throughputs are scaled.
 * Measured in router.test.ts (4 replicas at 10 requests/s each, 540 s measured): mean end-to-end
 * within 1% of random routing's, 2-3% above round-robin's and least-outstanding's. With the step
 * model (Llama 3.1 8B on H100, 28 requests/s a replica, 512 in, 256 out, 10 min; 2, 8 and 16
 * replicas), the shortcut's means, TPOT and throughput are within 3% of all three policies', and
 * its TTFT p99 within 1% of random routing's, 44-171% above round-robin's, and from 14% above to
 * 81% below least-outstanding's (fleet-method.ts chooses between them for `serve`).
 */
import type { RequestTable, Workload } from './arrivals.js';
import { poissonArrivals, type LengthDistribution } from './arrivals.js';
import { runServing, type Dispatch, type ReplicaConfig, type ServingResult, type SimulationOptions } from './replica-sim.js';
import type { ReplicaScheduler } from './scheduler.js';
import { seededRng } from '../reliability/prng.js';

/** How the router picks a replica: in turn, the one holding fewest requests (lowest index on ties), or at random (seeded). */
export type RoutingPolicy = 'round-robin' | 'least-outstanding' | 'random';

/** A dispatcher for a routing policy. */
export function router(policy: RoutingPolicy, seed = 1): Dispatch {
  switch (policy) {
    case 'round-robin': {
      let next = 0;
      return (replicas) => {
        const k = next;
        next = (next + 1) % replicas.length;
        return k;
      };
    }
    case 'least-outstanding':
      return (replicas: readonly ReplicaScheduler[]) => {
        let best = 0;
        let least = replicas[0].outstanding;
        for (let k = 1; k < replicas.length; k++) {
          const o = replicas[k].outstanding;
          if (o < least) {
            least = o;
            best = k;
          }
        }
        return best;
      };
    case 'random': {
      const rng = seededRng(seed);
      return (replicas) => Math.floor(rng.next() * replicas.length);
    }
    default:
      throw new RangeError(`routing: unknown policy ${String(policy)}`);
  }
}

/** Simulates every replica of a fleet behind a router, exactly. */
export function simulateFleet(workload: Workload, replicas: readonly ReplicaConfig[], policy: RoutingPolicy, options: SimulationOptions & { routingSeed?: number } = {}): ServingResult {
  return runServing(workload, replicas, router(policy, options.routingSeed), options);
}

/** A Poisson load on a fleet of identical replicas. */
export interface PoissonFleetLoad {
  ratePerSecond: number;
  durationSeconds: number;
  prompt: LengthDistribution;
  output: LengthDistribution;
  seed: number;
}

/** The fleet's Poisson stream as a table (what `simulateFleet` is given for the same load). */
export function fleetArrivals(load: PoissonFleetLoad): RequestTable {
  return poissonArrivals(load);
}

/**
 * One replica at rate / replicas standing for the fleet (see the file's note for what it
 * assumes): latencies are that replica's, throughput is multiplied by the replica count.
 */
export function simulateFleetShortcut(load: PoissonFleetLoad, replica: ReplicaConfig, replicas: number, options: SimulationOptions = {}): ServingResult {
  if (!(Number.isInteger(replicas) && replicas >= 1)) throw new RangeError(`replicas: must be a whole number >= 1 (got ${replicas})`);
  const requests = poissonArrivals({ ...load, ratePerSecond: load.ratePerSecond / replicas });
  const one = runServing({ kind: 'open', requests }, [replica], () => 0, options);
  return { ...one, outputTokensPerSecond: one.outputTokensPerSecond * replicas, requestsPerSecond: one.requestsPerSecond * replicas };
}
