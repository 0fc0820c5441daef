/**
 * What every fuzzed run must be: exit 0 with a finite, physical answer, or exit 2 with one line
 * naming a field and nothing on standard output; never a hang, an exhausted heap, exit 1 or 70, or
 * a stack. Each check returns the first thing wrong, or undefined.
 */
import { loadPresets } from '../../src/node/presets.js';
import { resolveSystem } from '../../src/config/catalog.js';
import type { SandboxResult } from './sandbox.js';

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const close = (a: number, b: number, rel: number): boolean => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-12);

/** Strings that no answer should print. */
const IMPOSSIBLE = /\bNaN\b|\bInfinity\b|\bundefined\b|\[object Object\]/;

function checkSimulation(j: Record<string, any>): string | undefined {
  for (const k of ['stepTimeSeconds', 'tokensPerSecond', 'timeToTrainSeconds', 'gpuHours', 'energyMWh', 'costUsd', 'peakMemoryBytesPerGpu']) {
    if (!finite(j[k]) || j[k] <= 0) return `${k} is ${j[k]}`;
  }
  if (!finite(j.mfu) || j.mfu <= 0) return `mfu is ${j.mfu}`;
  if (!finite(j.hfu) || j.hfu <= 0 || j.hfu > 1 + 1e-9) return `hfu is ${j.hfu}`;
  if (!(j.goodput >= 0 && j.goodput <= 1)) return `goodput is ${j.goodput}`;
  const m = j.memory;
  const parts = m.weightsBytes + m.gradsBytes + m.optimizerBytes + m.activationsBytes + m.transientBytes + m.reserveBytes;
  if (!close(parts, m.totalBytes, 1e-9)) return `memory parts ${parts} do not sum to the peak ${m.totalBytes}`;
  if (m.totalBytes !== j.peakMemoryBytesPerGpu) return 'memory total is not the peak';
  const b = Object.values(j.breakdown as Record<string, number>);
  if (b.some((x) => !finite(x) || x < 0)) return `a breakdown part is ${b.find((x) => !finite(x) || x < 0)}`;
  const sum = b.reduce((a, x) => a + x, 0);
  if (!close(sum, j.stepTimeSeconds, 1e-6)) return `breakdown sums to ${sum}, step is ${j.stepTimeSeconds}`;
  if (j.timeToTrainWithFailuresSeconds !== null && j.timeToTrainWithFailuresSeconds < j.timeToTrainSeconds * (1 - 1e-9)) return 'failures made the run shorter';
  return undefined;
}

function checkReliability(j: Record<string, any>): string | undefined {
  if (!(j.goodput >= 0 && j.goodput <= 1)) return `goodput is ${j.goodput}`;
  if (typeof j.finishes !== 'boolean') return 'no finishes flag';
  // A run that never finishes has infinite counts (null in JSON), and must say so.
  if (!j.finishes) return j.goodput < 1e-3 ? undefined : `a run that never finishes at goodput ${j.goodput}`;
  if (!finite(j.interruptions) || j.interruptions < 0) return `interruptions is ${j.interruptions}`;
  if (!finite(j.wallSeconds) || !finite(j.costUsd)) return `a finishing run with wall ${j.wallSeconds}, cost ${j.costUsd}`;
  if (!finite(j.checkpointIntervalSeconds) || j.checkpointIntervalSeconds <= 0) return `checkpoint interval is ${j.checkpointIntervalSeconds}`;
  if (j.wallSeconds < j.usefulSeconds * (1 - 1e-9)) return 'useful time past the wall-clock time';
  return undefined;
}

function checkServe(j: Record<string, any>): string | undefined {
  const r = j.requests;
  if (r.arrived !== r.finished + r.running + r.waiting + r.rejected) return `requests not conserved: ${JSON.stringify(r)}`;
  for (const k of ['costUsdPerDay', 'kvCacheTokens', 'gpus']) if (!finite(j[k]) || j[k] <= 0) return `${k} is ${j[k]}`;
  if (!(j.kvUtilization.max >= 0 && j.kvUtilization.max <= 1 + 1e-9)) return `KV use ${j.kvUtilization.max}`;
  // With tokens served, every rate and latency is finite and positive (TPOT may be absent: 1-token outputs).
  if (r.finished > 0) {
    for (const k of ['outputTokensPerSecond', 'costUsdPerMillionTokens', 'energyKWhPerMillionTokens']) if (!finite(j[k]) || j[k] <= 0) return `${k} is ${j[k]}`;
    for (const k of ['ttftSeconds', 'e2eSeconds']) if (j[k].count > 0 && !(finite(j[k].mean) && j[k].mean > 0 && j[k].p50 <= j[k].p99 + 1e-12)) return `${k} is ${JSON.stringify(j[k])}`;
  }
  return undefined;
}

function checkCollective(rows: Array<Record<string, any>>, args: string[]): string | undefined {
  const at = args.lastIndexOf('--system');
  const system = resolveSystem(loadPresets(), at >= 0 ? args[at + 1] : 'nd-h100-v5');
  // No GPU moves data faster than its fastest links carry, in and out together.
  const ceilingGBps = 2 * Math.max(system.node.nvlinkGBpsPerGpu, (system.node.nicsPerNode * system.node.nicGbps) / 8 / system.node.gpusPerNode);
  for (const r of rows) {
    if (!finite(r.timeSeconds) || r.timeSeconds <= 0) return `time ${r.timeSeconds} at ${r.bytes} bytes`;
    if (!finite(r.algbwGBps) || r.algbwGBps <= 0 || r.algbwGBps > ceilingGBps) return `algbw ${r.algbwGBps} GB/s (links: ${ceilingGBps})`;
    if (!finite(r.busbwGBps) || r.busbwGBps < 0 || r.busbwGBps > ceilingGBps) return `busbw ${r.busbwGBps} GB/s (links: ${ceilingGBps})`;
  }
  return undefined;
}

/** The first thing wrong with a run of `args`, or undefined. */
export function problemWith(args: string[], r: SandboxResult, configFile?: string): string | undefined {
  if (r.timedOut) return 'hang: past the time limit';
  if (r.crashed) return `crash: ${r.crashed}`;
  if (r.escaped) return `an exception left main(): ${r.escaped.split('\n')[0]}`;
  if (r.code !== 0 && r.code !== 2) return `exit ${r.code}: ${r.stderr.trim()}`;
  if (/\n\s+at /.test(r.stderr)) return `a stack on stderr: ${r.stderr.slice(0, 300)}`;
  if (r.code === 2) {
    const lines = r.stderr.trim().split('\n');
    if (lines.length !== 1) return `${lines.length} lines on stderr: ${r.stderr.slice(0, 300)}`;
    if (!lines[0].startsWith('error: ')) return `not an error line: ${lines[0]}`;
    const namesField = lines[0].includes('--') || (configFile !== undefined && lines[0].includes(configFile)) || /^error: unknown command/.test(lines[0]);
    if (!namesField) return `names no field: ${lines[0]}`;
    if (lines[0].length > 400) return `a ${lines[0].length}-character error line`;
    if (r.stdout !== '') return `exit 2 after writing output: ${r.stdout.slice(0, 200)}`;
    return undefined;
  }
  // Exit 0.
  const json = args.includes('--json') || args.includes('jsonl');
  // Text: no NaN or Infinity, unless the user typed the word (a model may be named "NaN").
  if (!json) return IMPOSSIBLE.test(r.stdout) && !args.some((a) => IMPOSSIBLE.test(a)) ? `an impossible number in: ${r.stdout.match(IMPOSSIBLE)?.[0]}` : undefined;
  // JSON cannot hold NaN or Infinity (it writes null): the field checks below catch those.
  const command = args[0];
  if (command === 'sweep') {
    for (const line of r.stdout.trim().split('\n').filter(Boolean)) {
      const row = JSON.parse(line);
      if (row.error !== undefined) continue;
      for (const k of ['stepTimeSeconds', 'timeToTrainSeconds', 'costUsd']) if (!finite(row[k]) || row[k] <= 0) return `sweep row ${k} is ${row[k]}`;
      if (!(row.hfu > 0 && row.hfu <= 1 + 1e-9)) return `sweep row hfu is ${row.hfu}`;
    }
    return undefined;
  }
  const j = JSON.parse(r.stdout);
  if (command === 'serve') return checkServe(j);
  if (command === 'simulate') return checkSimulation(j);
  if (command === 'reliability') return checkReliability(j);
  if (command === 'collective') return checkCollective(j, args);
  return undefined;
}
