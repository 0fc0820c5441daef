import { describe, expect, it } from 'vitest';
import { loadPresets } from '../node/presets.js';
import { resolveModel, resolveSystem } from '../config/catalog.js';
import type { SystemSpec } from '../config/system-schema.js';
import { ClusterTwinError } from '../errors.js';
import { servingDeployment } from './deployment.js';
import { kvBytesPerToken, kvBytesPerTokenPerGpu } from './kv-cache.js';
import { kvTransferTimer, transferLane } from './kv-transfer.js';
import { serve, type ServeInput } from './serve.js';
import { serveDisaggregated, type DisaggregatedServeInput } from './serve-disaggregated.js';

const cat = loadPresets();
const dgxH100 = resolveSystem(cat, 'dgx-h100');
const llama8 = resolveModel(cat, 'llama3.1-8b');
const llama70 = resolveModel(cat, 'llama3.1-70b');
const withNics = (s: SystemSpec, factor: number): SystemSpec => ({ ...s, node: { ...s.node, nicGbps: s.node.nicGbps * factor } });
const one = { system: dgxH100, model: llama8, tp: 1, isl: 2048, osl: 129, load: { kind: 'closed', concurrency: 1, requests: 4 } } satisfies ServeInput;
const pools = (x: ServeInput, p: number, d: number, more: Partial<DisaggregatedServeInput> = {}): DisaggregatedServeInput => ({ ...x, prefill: { workers: p }, decode: { workers: d }, ...more });

describe('disaggregated serve', () => {
  it('one request at a time: TTFT is the aggregated prefill, TPOT the same decode steps plus the transfer spread over the reply', () => {
    const agg = serve(one);
    const dis = serveDisaggregated(pools(one, 1, 1));
    const transfer = dis.disaggregated.kvTransferSeconds.mean;
    expect(transfer).toBeGreaterThan(0);
    expect(dis.ttftSeconds.mean).toBeCloseTo(agg.ttftSeconds.mean, 12);
    expect(dis.tpotSeconds.mean).toBeCloseTo(agg.tpotSeconds.mean + transfer / (one.osl - 1), 12);
    expect(dis.gpus).toBe(2);
    expect(dis.requests.finished).toBe(4);
    // Two TP-1 workers sit on one node: the KV moves over NVLink, one lane, a send/recv of the whole prompt's KV.
    const d = servingDeployment(one);
    expect(dis.disaggregated.kvTransferBytes).toBe(2048 * kvBytesPerToken(d));
    expect(kvBytesPerToken(d)).toBe(kvBytesPerTokenPerGpu(d, llama8.layers));
    expect(transfer).toBeCloseTo(d.network.collective({ op: 'sendrecv', bytes: dis.disaggregated.kvTransferBytes, group: transferLane({ prefill: d, prefillWorkers: 1, decode: d, decodeWorkers: 1 }, 0, 0) }).seconds, 12);
    // Cost over every GPU of both pools.
    expect(dis.costUsdPerDay).toBeCloseTo(2 * dgxH100.pricing.usdPerGpuHour * 24, 9);
  });

  it('moves KV over NVLink inside a node and over the NICs between nodes; faster NICs never make it slower', () => {
    const d = servingDeployment({ system: dgxH100, model: llama70, tp: 4 });
    const d8 = servingDeployment({ system: dgxH100, model: llama70, tp: 8 });
    const inNode = kvTransferTimer({ prefill: d, prefillWorkers: 1, decode: d, decodeWorkers: 1 })(4096, 0, 0);
    const across = kvTransferTimer({ prefill: d, prefillWorkers: 2, decode: d, decodeWorkers: 1 })(4096, 0, 0);
    expect(transferLane({ prefill: d, prefillWorkers: 1, decode: d, decodeWorkers: 1 }, 0, 0).nodes).toBe(1);
    expect(transferLane({ prefill: d, prefillWorkers: 2, decode: d, decodeWorkers: 1 }, 0, 0).nodes).toBe(2);
    expect(inNode).toBeLessThan(across);
    // More lanes (TP 8 a side) split the same bytes over more NICs.
    expect(kvTransferTimer({ prefill: d8, prefillWorkers: 1, decode: d8, decodeWorkers: 1 })(4096, 0, 0)).toBeLessThan(across);
    const x: ServeInput = { system: dgxH100, model: llama70, tp: 8, isl: 4096, osl: 64, load: { kind: 'closed', concurrency: 8, requests: 32 } };
    const slow = serveDisaggregated(pools(x, 1, 1));
    const fast = serveDisaggregated(pools({ ...x, system: withNics(dgxH100, 4) }, 1, 1));
    expect(fast.disaggregated.kvTransferSeconds.mean).toBeLessThan(slow.disaggregated.kvTransferSeconds.mean);
    expect(fast.e2eSeconds.mean).toBeLessThanOrEqual(slow.e2eSeconds.mean);
  });

  it('counts every worker GPU, reports each pool, and is deterministic per seed under a Poisson load', () => {
    const x: DisaggregatedServeInput = {
      ...pools({ system: dgxH100, model: llama8, tp: 1, isl: 1024, osl: 128, load: { kind: 'poisson', ratePerSecond: 6, durationSeconds: 60 }, seed: 5 }, 2, 3),
      prefill: { workers: 2, tp: 2, maxBatchedTokens: 4096 },
      decode: { workers: 3, tp: 1, maxBatch: 64 },
      routing: 'least-outstanding',
    };
    const a = serveDisaggregated(x);
    expect(serveDisaggregated(x)).toEqual(a);
    expect(a.gpus).toBe(2 * 2 + 3 * 1);
    expect(a.outputTokensPerSecondPerGpu).toBeCloseTo(a.outputTokensPerSecond / 7, 9);
    expect(a.requests.finished).toBe(a.requests.arrived);
    const { prefill, decode } = a.disaggregated;
    expect([prefill.workers, prefill.tp, prefill.maxBatchedTokens, decode.workers, decode.tp, decode.maxBatch]).toEqual([2, 2, 4096, 3, 1, 64]);
    for (const p of [prefill, decode]) {
      expect(p.busyFraction).toBeGreaterThan(0);
      expect(p.busyFraction).toBeLessThanOrEqual(1);
    }
    expect(a.config.replicas).toBe(5);
    expect(a.notModelled.join(' ')).toMatch(/layer-by-layer/);
    expect(a.notModelled.join(' ')).not.toMatch(/disaggregated prefill and decode pools and their KV transfer/);
  });

  it('names the pool in a bad pool: no workers, a TP that does not divide the heads, a pool whose KV holds no request', () => {
    const field = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        if (err instanceof ClusterTwinError) return err.path;
        throw err;
      }
      return 'no error';
    };
    expect(field(() => serveDisaggregated(pools(one, 0, 1)))).toBe('prefill.workers');
    expect(field(() => serveDisaggregated({ ...pools(one, 1, 1), decode: { workers: 1, tp: 3 } }))).toBe('decode.tp');
    expect(field(() => serveDisaggregated({ ...pools({ ...one, model: llama70 }, 1, 1), prefill: { workers: 1, tp: 1 } }))).toBe('prefill.tp');
  });
});
