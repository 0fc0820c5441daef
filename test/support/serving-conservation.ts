/** The conservation check every serving simulation's tests share. */
import { expect } from 'vitest';
import { RequestState } from '../../src/serving/request-store.js';
import type { ServingResult } from '../../src/serving/replica-sim.js';

/**
 * Every arrival is finished, running, waiting or rejected with a reason, and its times are in
 * order; `finished(i)` adds checks of a finished request (e.g. where it ran).
 */
export function expectConserved(r: Pick<ServingResult, 'requests' | 'rejections' | 'records'>, finished?: (i: number) => void): void {
  const q = r.requests;
  expect(q.finished + q.running + q.waiting + q.rejected).toBe(q.arrived);
  expect(r.rejections.reduce((a, x) => a + x.count, 0)).toBe(q.rejected);
  const rec = r.records;
  for (let i = 0; i < q.arrived; i++) {
    const s = rec.state[i];
    if (s === RequestState.rejected) expect(rec.rejectReason[i]).toBeGreaterThan(0);
    else expect(rec.rejectReason[i]).toBe(0);
    if (s === RequestState.finished) {
      expect(rec.firstTokenSeconds[i]).toBeGreaterThan(rec.arrivalSeconds[i]);
      expect(rec.finishSeconds[i]).toBeGreaterThanOrEqual(rec.firstTokenSeconds[i]);
      finished?.(i);
    } else expect(rec.finishSeconds[i]).toBeNaN();
  }
}
