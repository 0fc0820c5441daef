/**
 * `serve`'s disaggregated deployment: the prefill and decode pool flags, their parsing, and the
 * report's pool lines. Kept apart from serve.ts so the aggregated command reads as before.
 */
import type { Command } from '@commander-js/extra-typings';
import { ClusterTwinError } from '../../errors.js';
import type { DisaggregatedServeReport, ServePoolInput } from '../../serving/serve-disaggregated.js';
import { formatBytes, formatDuration } from '../../units.js';
import { numberFlag } from '../flag-values.js';
import { int } from '../format.js';

const POOLS = ['prefill', 'decode'] as const;

/** Adds `--prefill-workers`, `--prefill-tp`, ... and the same for `--decode-`. */
export function addPoolOptions<C extends Command<any, any, any>>(cmd: C): C {
  for (const pool of POOLS) {
    cmd
      .option(`--${pool}-workers <n>`, `disaggregated: ${pool} workers (give both --prefill-workers and --decode-workers)`)
      .option(`--${pool}-tp <n>`, `tensor-parallel GPUs per ${pool} worker (default --tp)`)
      .option(`--${pool}-pp <n>`, `pipeline stages per ${pool} worker (default --pp)`)
      .option(`--${pool}-ep <n>`, `expert-parallel ranks per ${pool} worker (default --ep)`)
      .option(`--${pool}-max-batch <n>`, `most requests running at once on a ${pool} worker (default --max-batch)`)
      .option(`--${pool}-max-batched-tokens <n>`, `most tokens one ${pool} step processes (default --max-batched-tokens)`);
  }
  return cmd;
}

export const POOL_HELP = `
Disaggregated prefill and decode (as NVIDIA Dynamo, DistServe and Splitwise run it): give
--prefill-workers and --decode-workers. A request is prefilled on a prefill worker, which samples
its first token (TTFT ends there); its KV cache then moves to a decode worker over the system's
network (NVLink when both sit in one NVLink domain) and is decoded there. Each pool's TP, PP, EP and
batch limits default to --tp, --pp, --ep, --max-batch and --max-batched-tokens.`;

export const POOL_EXAMPLE = '  clustertwin serve --model llama3.1-70b --prefill-workers 1 --prefill-tp 4 --decode-workers 1 --decode-tp 4 --concurrency 32';

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The two pools from the flags, or undefined for an aggregated deployment. */
export function parsePools(opts: Record<string, unknown>): { prefill: ServePoolInput; decode: ServePoolInput } | undefined {
  const given = (pool: string, f: string): unknown => opts[camel(`${pool}-${f}`)];
  const any = POOLS.some((pool) => ['workers', 'tp', 'pp', 'ep', 'max-batch', 'max-batched-tokens'].some((f) => given(pool, f) !== undefined));
  if (!any) return undefined;
  for (const pool of POOLS) {
    if (given(pool, 'workers') === undefined) throw new ClusterTwinError('invalid_value', `--${pool}-workers`, 'a disaggregated deployment needs both pools: give --prefill-workers and --decode-workers');
  }
  if (opts.replicas !== '1') throw new ClusterTwinError('invalid_value', '--replicas', 'counts aggregated replicas; a disaggregated deployment counts --prefill-workers and --decode-workers');
  const parse = (pool: string): ServePoolInput => {
    const whole = (f: string, max: number, unit?: string): number | undefined => {
      const v = given(pool, f);
      return v === undefined ? undefined : numberFlag(v, `--${pool}-${f}`, { min: 1, max, integer: true, unit });
    };
    const out: ServePoolInput = { workers: whole('workers', 100_000, 'workers')! };
    const tp = whole('tp', 1024);
    const pp = whole('pp', 1024);
    const ep = whole('ep', 1024);
    const maxBatch = whole('max-batch', 65_536, 'requests');
    const maxBatchedTokens = whole('max-batched-tokens', 1_048_576, 'tokens');
    return { ...out, ...(tp ? { tp } : {}), ...(pp ? { pp } : {}), ...(ep ? { ep } : {}), ...(maxBatch ? { maxBatch } : {}), ...(maxBatchedTokens ? { maxBatchedTokens } : {}) };
  };
  return { prefill: parse('prefill'), decode: parse('decode') };
}

/** A pool's error field (`prefill.tp`) as its flag (`--prefill-tp`); undefined for any other field. */
export function poolFlagOf(path: string): string | undefined {
  const m = /^(prefill|decode)\.([a-zA-Z]+)$/.exec(path);
  return m ? `--${m[1]}-${m[2].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : undefined;
}

const ms = (s: number): string => (Number.isFinite(s) ? formatDuration(s) : '-');
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

/** The pools' rows of the report's key-value block. */
export function poolRows(r: DisaggregatedServeReport): [string, string][] {
  const g = r.disaggregated;
  const line = (p: typeof g.prefill): string =>
    `${int(p.workers)} x TP ${p.tp} · PP ${p.pp} · EP ${p.ep} (${int(p.workers * p.gpus)} GPUs) · batch ≤ ${int(p.maxBatch)}, ≤ ${int(p.maxBatchedTokens)} tokens a step · busy ${pct(p.busyFraction)} · KV ${pct(p.kvUtilization.mean)} used, peak ${pct(p.kvUtilization.max)}`;
  return [
    ['prefill pool', line(g.prefill)],
    ['decode pool', line(g.decode)],
    ['KV transfer', `${formatBytes(g.kvTransferBytes)} a request · ${ms(g.kvTransferSeconds.mean)} mean, ${ms(g.kvTransferSeconds.p99)} p99 on the wire · ${ms(g.kvWaitSeconds.mean)} mean wait for a decode worker`],
  ];
}
