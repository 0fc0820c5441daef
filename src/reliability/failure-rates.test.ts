import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalog } from '../../test/support/catalog.js';
import { resolveFailureModel } from '../config/failure-model.js';
import { lookupPreset } from '../config/catalog.js';
import { failureRates, totalRate, unplannedRate } from './failure-rates.js';
import type { ComponentCounts } from './components.js';

const model = (name: string) => resolveFailureModel((n, p) => lookupPreset(catalog, 'reliability', n, p), name, 'test');
const llama = model('llama3-h100');

describe('failure rates', () => {
  it('give back the counted interruptions on the fleet they were counted on', () => {
    const o = llama.observed!;
    const fleet: ComponentCounts = { gpu: o.gpus, node: o.nodes, nic: o.nics, fabricLink: o.fabricLinks, job: 1 };
    const rates = failureRates(llama, fleet);
    const seconds = o.hours * 3600;
    expect(unplannedRate(rates) * seconds).toBeCloseTo(419, 6);
    expect((totalRate(rates) - unplannedRate(rates)) * seconds).toBeCloseTo(47, 6);
    const faulty = rates.find((r) => r.name === 'faulty-gpu')!;
    expect(faulty.perSecond * seconds).toBeCloseTo(148, 6);
  });

  it('scale with each component count, linearly (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 1.01, max: 10, noNaN: true }), (gpus, k) => {
        const base: ComponentCounts = { gpu: gpus, node: gpus / 8, nic: gpus / 8, fabricLink: gpus, job: 1 };
        const more: ComponentCounts = { gpu: gpus * k, node: (gpus * k) / 8, nic: (gpus * k) / 8, fabricLink: gpus * k, job: 1 };
        const a = unplannedRate(failureRates(llama, base));
        const b = unplannedRate(failureRates(llama, more));
        // Only the one per-job cause does not grow with the job.
        return b > a && b <= a * k * (1 + 1e-9);
      }),
    );
  });

  it('scale the unplanned causes only by the model scale and the caller scale', () => {
    const fleet: ComponentCounts = { gpu: 1024, node: 128, nic: 1024, fabricLink: 3072, job: 1 };
    const a100 = model('meta-rsc-a100');
    const base = failureRates(llama, fleet);
    const scaled = failureRates(a100, fleet, 2);
    base.forEach((r, i) => expect(scaled[i].perSecond / r.perSecond).toBeCloseTo(r.planned ? 1 : a100.rateScale * 2, 9));
  });
});
