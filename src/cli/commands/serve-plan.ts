/**
 * `clustertwin serve-plan`: the cheapest serving deployment that meets latency targets at a
 * traffic level, over one or more systems, with the cost-latency Pareto front. Thin: parse, call
 * src/serving/plan/serve-plan.ts, print.
 */
import { Command, Option } from '@commander-js/extra-typings';
import cliProgress from 'cli-progress';
import { pc } from '../color.js';
import { servingAccuracyFor, servingAccuracySentence } from '../../validation/serving-accuracy.js';
import { SERVING_ACCURACY } from '../../validation/serving-accuracy-table.js';
import { ClusterTwinError } from '../../errors.js';
import { BOUNDS } from '../../config/bounds.js';
import { parseScenarioInput } from '../../config/scenario-input.js';
import { scenarioModel, scenarioSystem } from '../../config/resolve.js';
import { loadPresets } from '../../node/presets.js';
import { servePlan, DEFAULT_FRONT_COST_RATIO, type PlannedDeployment, type ServePlanReport } from '../../serving/plan/serve-plan.js';
import { DEFAULT_PROBE_REQUESTS } from '../../serving/plan/replica-probe.js';
import { TARGET_PERCENTILES, targetFlag, type LatencyTarget, type TargetMetric } from '../../serving/plan/targets.js';
import { KV_DTYPES, WEIGHT_FORMATS, type KvDtype, type WeightFormat } from '../../serving/weight-format.js';
import { SECONDS_PER_DAY, formatCount, formatDuration } from '../../units.js';
import { numberFlag } from '../flag-values.js';
import { heading, int, keyValues, table, usd } from '../format.js';

/** Every target flag: --ttft-p50 ... --tpot-p99. */
const TARGET_FLAGS: { metric: TargetMetric; percentile: (typeof TARGET_PERCENTILES)[number] }[] = (['ttft', 'tpot'] as const).flatMap((metric) => TARGET_PERCENTILES.map((percentile) => ({ metric, percentile })));

export function servePlanCommand(): Command<any, any> {
  let c = new Command('serve-plan')
    .description('plan serving: the cheapest deployment (systems, TP x PP x EP, precision, batch limit, replicas) that meets latency targets at a traffic level')
    .option('--model <preset>', 'model preset, e.g. llama3.1-70b', 'llama3.1-70b')
    .option('--system <presets>', 'system presets to search, comma-separated, e.g. dgx-h100,dgx-a100-80g', 'dgx-h100')
    .option('--rate <r>', 'traffic: requests per second over the whole fleet')
    .option('--per-day <n>', 'traffic: requests a day, e.g. 10M (instead of --rate)')
    .option('--isl <n>', 'prompt tokens of every request', '1024')
    .option('--osl <n>', 'output tokens of every request', '256');
  for (const t of TARGET_FLAGS) {
    c = c.option(`${targetFlag(t)} <seconds>`, `target: ${t.metric === 'ttft' ? 'time to first token' : 'time per output token'} at p${t.percentile}, at most this many seconds`);
  }
  return c
    .option('--tp <list>', 'TP sizes to try, e.g. 4,8 (default: powers of 2 within the NVLink domain)')
    .option('--pp <list>', 'pipeline sizes to try (default 1,2,4,8)')
    .option('--precision <list>', `weight formats to try, of ${WEIGHT_FORMATS.join(', ')} (default: those the GPU's tensor cores run)`)
    .option('--max-batch <list>', 'batch limits (vLLM max_num_seqs) to try (default 1,2,4,8,16,24,32,48,64,96,128,192,256,384,512)')
    .addOption(new Option('--kv-dtype <t>', 'KV-cache data type').choices([...KV_DTYPES]).default('bf16'))
    .option('--requests <n>', 'requests each probe simulates on one replica', String(DEFAULT_PROBE_REQUESTS))
    .option('--front-within <x>', 'simulate and show the front up to this many times the cheapest cost', String(DEFAULT_FRONT_COST_RATIO))
    .option('--seed <n>', 'seed of the arrivals', '1')
    .option('--json', 'print one JSON object instead of tables')
    .addHelpText(
      'after',
      `
Each candidate (a system, TP x PP x EP, weight format and batch limit) is checked as serve checks
it (the split divides the model, the weights and one request's KV cache fit), bounded cheaply
(an idle prefill is a floor on TTFT, one decode step at batch 1 a floor on TPOT, the step model's
best decode and prefill rates a ceiling on a replica's throughput), then the fewest replicas that
meet the targets are searched by simulating ONE replica at rate / replicas with a bounded number
of Poisson requests (exact for random routing, pessimistic for round-robin). Candidates whose
cost bound is above the front are never simulated. Give at least one target; when several are
given every one must be met. No deployment meeting them is an error (exit 2) naming the target
and the lowest floors. Every deployment runs vLLM's scheduler (chunked prefill, 8,192 tokens a
step); the output quotes the validation suite's vLLM record for the best one's GPU, reported, not
yet held to a bound (validate --group serving).

Examples:
  clustertwin serve-plan --model llama3.1-70b --system dgx-h100,dgx-a100-80g --rate 10 --isl 1024 --osl 256 --ttft-p99 2 --tpot-p99 0.1
  clustertwin serve-plan --model llama3.1-8b --per-day 50M --isl 512 --osl 128 --ttft-p90 0.5 --json
  clustertwin serve-plan --model gpt3-175b --system ndm-a100-v4 --per-day 10M --isl 48 --osl 40 --tp 8 --pp 1 --precision bf16 --max-batch 1 --ttft-p99 5`,
    )
    .action((raw) => {
      const opts = raw as Record<string, unknown>;
      const catalog = loadPresets();
      const model = scenarioModel(parseScenarioInput({ model: opts.model }), catalog);
      const names = String(opts.system).split(',').map((s) => s.trim());
      if (names.some((n) => n === '')) throw new ClusterTwinError('invalid_value', '--system', 'expected preset names separated by commas, with none empty');
      const systems = [...new Set(names)].map((n) => scenarioSystem(parseScenarioInput({ system: n }), catalog));
      const whole = (flag: string, raw: unknown, max: number, unit?: string) => numberFlag(raw, flag, { min: 1, max, integer: true, unit });
      const list = (flag: string, max: number): number[] | undefined => {
        const v = opts[flagKey(flag)];
        return v === undefined ? undefined : [...new Set(String(v).split(',').map((x) => whole(flag, x, max)))];
      };
      if (opts.rate !== undefined && opts.perDay !== undefined) throw new ClusterTwinError('invalid_value', '--per-day', 'and --rate both set the traffic: give one of them');
      if (opts.rate === undefined && opts.perDay === undefined) throw new ClusterTwinError('invalid_value', '--rate', 'give the traffic: --rate (requests per second) or --per-day (requests a day)');
      const ratePerSecond =
        opts.rate !== undefined
          ? numberFlag(opts.rate, '--rate', { min: 0, max: 1e6, exclusiveMin: true, unit: 'requests per second' })
          : numberFlag(opts.perDay, '--per-day', { min: 0, max: 1e6 * SECONDS_PER_DAY, exclusiveMin: true, unit: 'requests a day' }) / SECONDS_PER_DAY;
      const targets: LatencyTarget[] = [];
      for (const t of TARGET_FLAGS) {
        const v = opts[flagKey(targetFlag(t))];
        if (v !== undefined) targets.push({ ...t, seconds: numberFlag(v, targetFlag(t), { min: 0, max: 86_400, exclusiveMin: true, unit: 'seconds' }) });
      }
      const precision = opts.precision === undefined ? undefined : String(opts.precision).split(',').map((f) => f.trim());
      const bad = precision?.find((f) => !(WEIGHT_FORMATS as readonly string[]).includes(f));
      if (bad !== undefined) throw new ClusterTwinError('invalid_value', '--precision', `expected formats of ${WEIGHT_FORMATS.join(', ')} separated by commas, got ${JSON.stringify(bad.slice(0, 40))}`);
      const bar = !opts.json && process.stdout.isTTY && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'planning |{bar}| {percentage}% of candidates | {duration_formatted}', stream: process.stderr, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
      let started = false;
      let report: ServePlanReport;
      try {
        report = servePlan({
          systems,
          model,
          ratePerSecond,
          isl: whole('--isl', opts.isl, BOUNDS.seq.max, 'tokens'),
          osl: whole('--osl', opts.osl, BOUNDS.seq.max, 'tokens'),
          targets,
          space: {
            tp: list('--tp', 1024),
            pp: list('--pp', 1024),
            weightFormats: precision as WeightFormat[] | undefined,
            maxBatch: list('--max-batch', 65_536),
          },
          kvDtype: opts.kvDtype as KvDtype,
          requests: numberFlag(opts.requests, '--requests', { min: 100, max: 100_000, integer: true, unit: 'requests' }),
          frontCostRatio: numberFlag(opts.frontWithin, '--front-within', { min: 1, max: 100 }),
          seed: numberFlag(opts.seed, '--seed', { min: -1e15, max: 1e15, integer: true }),
          ...(bar
            ? {
                onProgress: (done: number) => {
                  if (!started) bar.start(100, 0);
                  started = true;
                  bar.update(Math.round(done * 100));
                },
              }
            : {}),
        });
      } finally {
        if (started) bar?.stop();
      }
      if (!report.best) throw noneMeets(report);
      // The plan runs vLLM's scheduler (chunked prefill): the suite's vLLM record for the best one's GPU.
      const gpu = systems.find((x) => x.name === report.best!.system)!.gpu;
      const record = servingAccuracyFor(SERVING_ACCURACY, gpu.name, 'vllm');
      const sentence = servingAccuracySentence(record, gpu.description ?? gpu.name, 'vllm');
      process.stdout.write(opts.json ? `${JSON.stringify({ ...report, accuracy: { ...record, sentence } }, null, 2)}\n` : `${renderServePlan(report, model.description ?? model.name, model.name, sentence)}\n`);
    });
}

/** `--max-batch` -> `maxBatch`, as commander names its options. */
const flagKey = (flag: string): string => flag.slice(2).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const ms = (s: number): string => (Number.isFinite(s) ? formatDuration(s) : '-');

/** The one-line error when nothing meets the targets: the target the floors rule out, or the reasons. */
function noneMeets(r: ServePlanReport): ClusterTwinError {
  const byFloor = (metric: 'ttft' | 'tpot'): boolean => r.rejected.some((x) => x.reason === `${metric}-floor-above-target`);
  const t = r.targets.find((x) => byFloor(x.metric)) ?? r.targets[0];
  const floors = r.floors ? `; the lowest floors over the valid deployments: TTFT ${ms(r.floors.ttftSeconds)} (an idle prefill), TPOT ${ms(r.floors.tpotSeconds)} (one decode step)` : '';
  const why = r.rejected.map((x) => `${int(x.count)} ${x.text}`).join('; ');
  return new ClusterTwinError('out_of_range', targetFlag(t), `no deployment of the ${int(r.considered)} considered meets the targets (${why})${floors}: loosen a target, or add systems, TP sizes or precisions`);
}

const targetsText = (ts: readonly LatencyTarget[]): string => ts.map((t) => `${t.metric.toUpperCase()} p${t.percentile} ≤ ${ms(t.seconds)}`).join(', ');

const shapeText = (p: PlannedDeployment): string => `TP ${p.tp} · PP ${p.pp} · EP ${p.ep}`;

/** The `serve` command that simulates the whole planned fleet (random routing is what the probe stands for exactly). */
export function serveCommandFor(p: PlannedDeployment, modelName: string, r: ServePlanReport): string {
  const rate = Number(r.traffic.ratePerSecond.toPrecision(6));
  return `clustertwin serve --system ${p.system} --model ${modelName} --tp ${p.tp} --pp ${p.pp}${p.ep > 1 ? ` --ep ${p.ep}` : ''} --precision ${p.weightFormat} --kv-dtype ${p.kvDtype} --max-batch ${p.maxBatch} --max-batched-tokens ${r.config.maxBatchedTokens} --replicas ${p.replicas} --routing random --rate ${rate} --isl ${r.traffic.isl} --osl ${r.traffic.osl}`;
}

/** The human-readable plan. */
export function renderServePlan(r: ServePlanReport, modelTitle: string, modelName: string, accuracy: string): string {
  const b = r.best!;
  const out: string[] = [];
  const tr = r.traffic;
  out.push(`${heading(modelTitle)} at ${Number(tr.ratePerSecond.toPrecision(4))} requests/s (${formatCount(tr.requestsPerDay)} a day), ${int(tr.isl)} prompt + ${int(tr.osl)} output tokens each`);
  const left = r.rejected.reduce((a, x) => a + x.count, 0);
  out.push(
    keyValues([
      ['targets', targetsText(r.targets)],
      ['searched', `${int(r.considered)} deployment${r.considered === 1 ? '' : 's'} on ${r.config.systems.join(', ')}: ${int(r.simulated)} simulated (${int(r.simulations)} probes), ${int(left)} left out`],
    ]),
  );
  out.push('');
  out.push(heading('Cheapest that meets the targets'));
  out.push(
    keyValues([
      ['deployment', `${int(b.replicas)} x ${shapeText(b)} on ${b.system} · ${b.weightFormat} weights · ${b.kvDtype} KV · batch ≤ ${int(b.maxBatch)} (peak ${int(b.peakBatch)})`],
      ['GPUs', `${int(b.gpus)} (${int(b.gpusPerReplica)} a replica)`],
      ['cost', `${usd(b.costUsdPerDay)} a day · ${usd(b.costUsdPerMillionTokens)} per million output tokens`],
      ['energy', `${formatCount(b.energyKWhPerDay)} kWh a day (facility, PUE included)`],
      ['latency', `TTFT p50 ${ms(b.ttftSeconds.p50)}, p99 ${ms(b.ttftSeconds.p99)} · TPOT p50 ${ms(b.tpotSeconds.p50)}, p99 ${ms(b.tpotSeconds.p99)}`],
      ['check it', serveCommandFor(b, modelName, r)],
    ]),
  );
  out.push('');
  out.push(heading(`Pareto front: cost a day against TPOT p${r.frontPercentile} (up to ${r.frontCostRatio}x the cheapest)`));
  out.push(
    table(
      ['system', 'TP·PP·EP', 'weights', 'batch ≤', 'replicas', 'GPUs', 'a day', 'per M tokens', 'kWh a day', `TTFT p${r.frontPercentile}`, `TPOT p${r.frontPercentile}`],
      r.front.map((p) => {
        const ttft = p.ttftSeconds[`p${r.frontPercentile}` as 'p99'];
        return [p.system, `${p.tp}·${p.pp}·${p.ep}`, p.weightFormat, int(p.maxBatch), int(p.replicas), int(p.gpus), usd(p.costUsdPerDay), usd(p.costUsdPerMillionTokens), formatCount(p.energyKWhPerDay), ms(ttft), ms(p.latencySeconds)];
      }),
      [3, 4, 5, 6, 7, 8, 9, 10],
    ),
  );
  out.push('');
  out.push(heading('Left out'));
  out.push(r.rejected.length ? keyValues(r.rejected.map((x) => [int(x.count), x.text])) : '  none');
  out.push('');
  out.push(`${pc.bold('Accuracy')}: ${accuracy}.`);
  out.push(pc.dim(`How it searched: ${r.notes.length} assumptions, and ${r.notModelled.length} effects not modelled, listed in --json's notes and notModelled.`));
  return out.join('\n');
}
