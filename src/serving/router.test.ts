import { describe, expect, it } from 'vitest';
import { fleetArrivals, router, simulateFleet, simulateFleetShortcut, type PoissonFleetLoad } from './router.js';
import type { ReplicaConfig } from './replica-sim.js';
import { ReplicaScheduler } from './scheduler.js';
import { linearTimer } from '../../test/support/serving-timers.js';

const replica: ReplicaConfig = { kvBudgetTokens: 200_000, maxNumSeqs: 128, timer: linearTimer(0.01, 1e-4, 1e-7) };
// Four replicas at 10 requests/s each: with this timer a step costs ~21 ms at ~42 requests, well below the 128 limit (a replica saturates near 14/s).
const load: PoissonFleetLoad = { ratePerSecond: 40, durationSeconds: 600, prompt: { kind: 'fixed', tokens: 256 }, output: { kind: 'uniform', minTokens: 100, maxTokens: 300 }, seed: 21 };
const R = 4;
const opts = { warmupSeconds: 60, untilSeconds: 600 };

describe('replicas behind a router', () => {
  it('round-robin hands out in turn; least-outstanding picks the emptiest, lowest index on ties', () => {
    const reps = [0, 1, 2].map(() => new ReplicaScheduler({ kvBudgetTokens: 1024 }));
    const rr = router('round-robin');
    expect([rr(reps), rr(reps), rr(reps), rr(reps)]).toEqual([0, 1, 2, 0]);
    expect(router('least-outstanding')(reps)).toBe(0);
    reps[0].waiting.pushBack(0);
    expect(router('least-outstanding')(reps)).toBe(1);
  });

  it('the exact fleet conserves requests and uses every replica', () => {
    const r = simulateFleet({ kind: 'open', requests: fleetArrivals(load) }, Array(R).fill(replica), 'least-outstanding', opts);
    const q = r.requests;
    expect(q.finished + q.running + q.waiting + q.rejected).toBe(q.arrived);
    const per = [0, 0, 0, 0];
    for (const k of r.records.replica) per[k]++;
    for (const n of per) expect(n / q.arrived).toBeGreaterThan(0.2);
  });

  it('the one-replica shortcut agrees with random routing (exact in distribution) and is pessimistic for round-robin', () => {
    const table = fleetArrivals(load);
    const exact = (policy: 'random' | 'round-robin' | 'least-outstanding') => simulateFleet({ kind: 'open', requests: table }, Array(R).fill(replica), policy, opts);
    const shortcut = simulateFleetShortcut(load, replica, R, opts);
    const random = exact('random');
    const rr = exact('round-robin');
    const lor = exact('least-outstanding');
    // Throughput: the fleet keeps up, so all carry the offered load (within 3%: sampling noise over 540 s).
    for (const r of [random, rr, lor]) expect(Math.abs(r.outputTokensPerSecond / shortcut.outputTokensPerSecond - 1)).toBeLessThan(0.03);
    // Random routing: same per-replica Poisson load, so latencies agree within sampling noise (5%).
    expect(Math.abs(random.e2eSeconds.mean / shortcut.e2eSeconds.mean - 1)).toBeLessThan(0.05);
    expect(Math.abs(random.tpotSeconds.p50 / shortcut.tpotSeconds.p50 - 1)).toBeLessThan(0.05);
    expect(Math.abs(random.ttftSeconds.mean / shortcut.ttftSeconds.mean - 1)).toBeLessThan(0.1);
    // Round-robin and least-outstanding smooth each replica's arrivals: the shortcut does not understate their latency.
    expect(shortcut.e2eSeconds.mean).toBeGreaterThan(rr.e2eSeconds.mean * 0.98);
    expect(shortcut.e2eSeconds.mean).toBeGreaterThan(lor.e2eSeconds.mean * 0.98);
    expect(Math.abs(rr.e2eSeconds.mean / shortcut.e2eSeconds.mean - 1)).toBeLessThan(0.1);
  });
});
