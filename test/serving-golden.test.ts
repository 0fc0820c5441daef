/**
 * The serving simulation's golden corpus: fixed scenarios whose every figure, request record and
 * step must stay bit-identical while the simulation is made faster. A change that means to alter
 * scheduling (or the step model) changes these digests on purpose: check the new behaviour with
 * the other serving tests, then refresh them with `npx vitest run test/serving-golden.test.ts -u`.
 */
import { describe, expect, it } from 'vitest';
import { GOLDEN_SCENARIOS, goldenDigest } from './support/serving-golden.js';

describe('serving golden corpus (bit-identical results)', () => {
  it('gives the same results, records and steps for every scenario', () => {
    const digests = Object.fromEntries(GOLDEN_SCENARIOS.map((s) => [s.name, goldenDigest(s)]));
    expect(digests).toMatchInlineSnapshot(`
      {
        "chunked prefill, Poisson, tight KV (preempts)": {
          "finished": 1817,
          "preemptions": 2313,
          "records": "af07d1cb",
          "stepTrace": "59c8d974",
          "steps": 29460,
          "summary": "cf5e913e",
        },
        "four replicas, least-outstanding, Poisson, stopped early": {
          "finished": 2642,
          "preemptions": 790,
          "records": "cf566425",
          "stepTrace": "fa658075",
          "steps": 15684,
          "summary": "bd1dfca9",
        },
        "llama3.1-8b on one H100 (the step model), Poisson": {
          "finished": 1134,
          "preemptions": 57,
          "records": "d2e3b044",
          "stepTrace": "b8f85fd0",
          "steps": 1704,
          "summary": "f72ca09d",
        },
        "prefill-first, closed loop with think time, tight KV (preempts)": {
          "finished": 1500,
          "preemptions": 394,
          "records": "34a97295",
          "stepTrace": "f4f42830",
          "steps": 9106,
          "summary": "dfffa2e7",
        },
        "three replicas, random routing, mixed policies, closed loop": {
          "finished": 2000,
          "preemptions": 2255,
          "records": "80ca83a1",
          "stepTrace": "ef1ba1fe",
          "steps": 43687,
          "summary": "35f1e375",
        },
      }
    `);
  });
});
