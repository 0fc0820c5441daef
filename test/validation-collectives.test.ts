/**
 * The collective cases of the validation suite must stay within their bounds
 * (10% from 64 MB for single-node all-reduce), with both network models.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from './support/catalog.js';
import { loadValidationData } from '../src/node/validation-data.js';
import { runValidation } from '../src/validation/run-validation.js';
import { parseCollectiveCases, runCollectiveCase } from '../src/validation/collective-cases.js';

describe.each(['analytical', 'flow'] as const)('collective validation (%s network)', (network) => {
  const rep = runValidation(loadValidationData(), catalog, { network, only: 'collectives' });
  it('reproduces every bounded measurement within its bound', () => {
    const rows = rep.groups.flatMap((g) => g.rows.filter((r) => r.bounded));
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) expect(Math.abs(r.error), `${r.config}: ${r.predicted} vs ${r.measured}`).toBeLessThan(0.1);
  });
  it('gets the shape right below the bound: latency-bound, rising with size', () => {
    const h100 = rep.groups[0].rows.filter((r) => r.id === 'nd-h100-v5.allreduce');
    const bw = h100.map((r) => r.predicted);
    for (let i = 1; i < bw.length; i++) expect(bw[i]).toBeGreaterThan(bw[i - 1]);
    expect(bw[0]).toBeLessThan(0.01 * bw[bw.length - 1]);
  });
});

describe('collective cases marked bounded: false', () => {
  const cases = parseCollectiveCases(loadValidationData().collectives);
  it('name the missing mechanism and are reported, never held to a bound', () => {
    const unbounded = cases.filter((c) => !c.bounded);
    expect(unbounded.length).toBeGreaterThan(0);
    for (const c of unbounded) {
      expect((c.notBoundedBecause ?? '').length, c.id).toBeGreaterThan(40);
      expect(runCollectiveCase(c, catalog, 'analytical').every((r) => !r.bounded), c.id).toBe(true);
    }
  });
  it('refuses bounded: false without a reason', () => {
    const c = { id: 'x', description: 'x', source: 'x', system: 'dgx-h100', gpus: 8, op: 'allreduce', boundedFrom: '1G', bound: 0.1, bounded: false, busbwGBps: { '1G': 1 } };
    expect(() => parseCollectiveCases([c])).toThrow(/notBoundedBecause/);
  });
  it('predicts every cloud-fabric row (EFA, TCPXO, RoCE, RCCL) with the suite\'s own code', () => {
    const cloud = cases.filter((c) => /^(aws|gcp|amd)-/.test(c.id));
    expect(cloud.length).toBeGreaterThanOrEqual(10);
    for (const c of cloud) for (const r of runCollectiveCase(c, catalog, 'analytical')) expect(Number.isFinite(r.error), c.id).toBe(true);
  });
});
