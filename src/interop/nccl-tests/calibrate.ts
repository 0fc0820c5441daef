/**
 * Calibrates a system's fabric and NVLink efficiencies to the user's own nccl-tests runs: the
 * fields the runs speak to are fitted so that the analytical network model (network/analytical.ts)
 * reproduces the measured times, and the rest of the preset is kept.
 *
 *   runs inside one NVLink domain  -> node.nvlsAlgbwFraction (all-reduce on an NVLS system, or NCCL_ALGO=NVLS)
 *                                     node.nvlinkAchievedFraction (everything else: NCCL's ring)
 *   runs across domains           -> node.nicAchievedFraction
 *   small sizes across domains    -> fabric.nicLatencyMicroseconds
 *
 * Method. Each field is one number; it is chosen to minimise the sum of squared log ratios of
 * predicted to measured time over the rows that field governs: the *bandwidth rows* (measured busbw
 * at least half the run's largest: the plateau, where the time is bytes over bandwidth) for the
 * efficiencies, the *latency rows* (busbw under 5% of the run's largest: the time is the fixed
 * cost) for the NIC latency. Runs that share a field are fitted together. The search is a grid
 * over the field's range then a golden-section refinement (the model's time is monotone in each
 * field, so the optimum is bracketed by the grid). The NVLink fields go first (the runs across
 * domains also cross NVLink), then the NIC's bandwidth and latency, alternated three times since
 * each moves the other's rows a little.
 *
 * This fits the twin to the user's machine on purpose: the preset it writes is that machine's
 * calibration, with the files and residuals beside each figure, not a validated prediction.
 */
import type { SystemSpec } from '../../config/system-schema.js';
import { invalid } from '../../errors.js';
import { analyticalNetwork } from '../../network/analytical.js';
import { COLLECTIVE_OPS, busBandwidthFactor, domainsOf, packedGroup, type CollectiveAlgorithm, type CollectiveOp, type GroupPlacement } from '../../network/network-model.js';
import { rowTiming, type NcclTestsRun } from './parse.js';

/** The system fields calibration can fit. */
export const CALIBRATED_FIELDS = ['node.nvlinkAchievedFraction', 'node.nvlsAlgbwFraction', 'node.nicAchievedFraction', 'fabric.nicLatencyMicroseconds'] as const;
export type CalibratedField = (typeof CALIBRATED_FIELDS)[number];

/** A bandwidth row: measured busbw at least this fraction of the run's largest. */
export const BANDWIDTH_ROW_FRACTION = 0.5;
/** A latency row: measured busbw below this fraction of the run's largest. */
export const LATENCY_ROW_FRACTION = 0.05;

/** The range each field is searched over: the schema's for fractions; 0 to 1 ms for a NIC's latency. */
const RANGES: Record<CalibratedField, { lo: number; hi: number; log: boolean }> = {
  'node.nvlinkAchievedFraction': { lo: 1e-4, hi: 1, log: true },
  'node.nvlsAlgbwFraction': { lo: 1e-4, hi: 1, log: true },
  'node.nicAchievedFraction': { lo: 1e-4, hi: 1, log: true },
  'fabric.nicLatencyMicroseconds': { lo: 0, hi: 1000, log: false },
};

/** One run to calibrate on, with the provenance the preset's comments quote. */
export interface CalibrationInput {
  run: NcclTestsRun;
  sha256: string;
}

export interface CalibrateOptions {
  /** Force an algorithm for every run (otherwise: NCCL_ALGO from the log, else by the rules above). */
  algorithm?: CollectiveAlgorithm;
}

/** One size of one run, measured against what the calibrated system reproduces. */
export interface ReproducedRow {
  bytes: number;
  measuredTimeMicroseconds: number;
  measuredBusbwGBps: number;
  predictedTimeMicroseconds: number;
  predictedBusbwGBps: number;
  /** predicted busbw / measured - 1 (the same as measured time / predicted - 1). */
  error: number;
  /** The field this row was fitted to, if any. */
  fittedTo?: CalibratedField;
  /** The model's algorithm/protocol for this size. */
  algorithm: string;
}

export interface RunCalibration {
  file: string;
  sha256: string;
  line: number;
  program?: string;
  op: CollectiveOp;
  ranks: number;
  nodes: number;
  gpuName?: string;
  /** The algorithm the run was modelled with. */
  algorithm: CollectiveAlgorithm;
  /** Why that algorithm. */
  algorithmFrom: 'flag' | 'log' | 'nvls flag' | 'default';
  /** The bandwidth field the run speaks to. */
  bandwidthField: CalibratedField;
  rows: ReproducedRow[];
}

export interface FieldFit {
  field: CalibratedField;
  value: number;
  /** The base preset's value (undefined when it had none). */
  base?: number;
  /** Runs and the sizes of each that were fitted. */
  from: Array<{ file: string; sha256: string; line: number; program?: string; sizes: number[] }>;
  /** Root mean square of ln(predicted / measured time) over the fitted rows. */
  residualRms: number;
  /** Largest |error| of the fitted rows. */
  worstError: number;
  /** The fit sits on its range's edge: the model cannot reach the measurement with this field alone. */
  atBound: boolean;
  /** The rows fit the base's value as well as any other: it was kept (the field is not constrained by these runs). */
  keptBase: boolean;
}

export interface SystemCalibration {
  baseName: string;
  system: SystemSpec;
  fits: FieldFit[];
  runs: RunCalibration[];
  /** Things the user should know (a field the data cannot speak to, a fit at its bound). */
  notes: string[];
}

type Setter = (s: SystemSpec, x: number) => SystemSpec;
const SETTERS: Record<CalibratedField, Setter> = {
  'node.nvlinkAchievedFraction': (s, x) => ({ ...s, node: { ...s.node, nvlinkAchievedFraction: x } }),
  'node.nvlsAlgbwFraction': (s, x) => ({ ...s, node: { ...s.node, nvlsAlgbwFraction: x } }),
  'node.nicAchievedFraction': (s, x) => ({ ...s, node: { ...s.node, nicAchievedFraction: x } }),
  'fabric.nicLatencyMicroseconds': (s, x) => ({ ...s, fabric: { ...s.fabric, nicLatencyMicroseconds: x } }),
};
const GETTERS: Record<CalibratedField, (s: SystemSpec) => number | undefined> = {
  'node.nvlinkAchievedFraction': (s) => s.node.nvlinkAchievedFraction,
  'node.nvlsAlgbwFraction': (s) => s.node.nvlsAlgbwFraction,
  'node.nicAchievedFraction': (s) => s.node.nicAchievedFraction,
  'fabric.nicLatencyMicroseconds': (s) => s.fabric.nicLatencyMicroseconds,
};

/** NCCL_ALGO's names to the twin's (a list of several lets NCCL choose: the model's auto). */
function algorithmFromLog(raw: string | undefined): CollectiveAlgorithm | undefined {
  if (!raw) return undefined;
  const v = raw.toLowerCase();
  if (/[,;^]/.test(v)) return undefined;
  if (v === 'ring') return 'ring';
  if (v === 'tree') return 'tree';
  if (v === 'nvls' || v === 'nvlstree') return 'nvls';
  if (v.startsWith('collnet')) return 'sharp';
  return undefined;
}

/** The GPU's family as CUDA names it ("NVIDIA H100 80GB HBM3" -> h100, "Tesla V100-SXM2-16GB" -> v100), lowercase. */
function gpuFamily(name: string | undefined): string | undefined {
  const m = name ? /\b(G?[A-Z]{1,2}\d{2,3})\b/.exec(name.replace(/^NVIDIA\s+|^Tesla\s+/, '')) : null;
  return m ? m[1].toLowerCase() : undefined;
}

/** Golden-section refinement after a grid: the minimum of f over [lo, hi]. */
export function minimize1d(f: (x: number) => number, lo: number, hi: number, log: boolean): number {
  const to = (u: number) => (log ? Math.exp(u) : u);
  const a0 = log ? Math.log(lo) : lo;
  const b0 = log ? Math.log(hi) : hi;
  const grid = 160;
  let best = 0;
  let bestValue = Infinity;
  const values: number[] = [];
  for (let i = 0; i <= grid; i++) {
    const v = f(to(a0 + ((b0 - a0) * i) / grid));
    values.push(v);
    if (v < bestValue) {
      bestValue = v;
      best = i;
    }
  }
  let a = a0 + ((b0 - a0) * Math.max(0, best - 1)) / grid;
  let b = a0 + ((b0 - a0) * Math.min(grid, best + 1)) / grid;
  const phi = (Math.sqrt(5) - 1) / 2;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = f(to(c));
  let fd = f(to(d));
  for (let i = 0; i < 60; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = f(to(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = f(to(d));
    }
  }
  const x = to((a + b) / 2);
  const edge = to(best === 0 ? a0 : b0);
  // The grid's end point may beat the interior (a fit at the bound).
  return (best === 0 || best === grid) && f(edge) <= f(x) ? edge : x;
}

/**
 * Where the run's ranks sat: on the log's hosts when the Rank lines name them all (4 ranks on each
 * of 2 hosts is a multi-node run even on 8-GPU nodes), else packed as the `collective` command packs them.
 */
export function groupOfRun(ranks: number, hosts: number, gpusPerNode: number, domainGpus: number): GroupPlacement {
  if (hosts <= 1 || ranks % hosts !== 0) return packedGroup(ranks, gpusPerNode, domainGpus);
  const ranksPerNode = ranks / hosts;
  const nodesPerDomain = Math.max(1, Math.floor(domainGpus / gpusPerNode));
  const domains = Math.ceil(hosts / nodesPerDomain);
  return { ranks, ranksPerNode, nodes: hosts, concurrentGroupsPerNode: 1, domains, ranksPerDomain: ranksPerNode * Math.min(hosts, nodesPerDomain), stride: 1, jobGpus: ranks };
}

interface Prepared {
  input: CalibrationInput;
  op: CollectiveOp;
  group: GroupPlacement;
  algorithm: CollectiveAlgorithm;
  algorithmFrom: RunCalibration['algorithmFrom'];
  bandwidthField: CalibratedField;
  /** Rows with their measured time (s) and role. */
  rows: Array<{ bytes: number; seconds: number; busbw: number; role?: 'bandwidth' | 'latency' }>;
}

function prepare(base: SystemSpec, input: CalibrationInput, opts: CalibrateOptions): Prepared {
  const { run } = input;
  const at = `${run.file}:${run.line}`;
  if (!(COLLECTIVE_OPS as readonly string[]).includes(run.op)) {
    throw invalid(at, `the twin has no model of ${run.op}; calibrate on all_reduce_perf, all_gather_perf, reduce_scatter_perf, alltoall_perf, broadcast_perf or sendrecv_perf`);
  }
  const op = run.op as CollectiveOp;
  if (run.ranks < 2) throw invalid(at, `a run over ${run.ranks} rank moves nothing between GPUs; calibrate on runs of 2 or more`);
  const gpn = base.node.gpusPerNode;
  if (run.nodes > 0 && run.ranks % run.nodes === 0 && run.ranks / run.nodes > gpn) {
    throw invalid('--system', `${base.name} has ${gpn} GPUs per node but ${run.file} runs ${run.ranks / run.nodes} ranks on each of its ${run.nodes} host(s); pick the base system of the machine measured`);
  }
  const group = groupOfRun(run.ranks, run.nodes, gpn, base.node.nvlinkDomainGpus ?? gpn);
  const { domains, ranksPerDomain } = domainsOf(group);
  const fromLog = algorithmFromLog(run.ncclAlgo);
  const nvlsRun = op === 'allreduce' && domains <= 1 && ranksPerDomain >= 2;
  let algorithm: CollectiveAlgorithm;
  let algorithmFrom: RunCalibration['algorithmFrom'];
  if (opts.algorithm) [algorithm, algorithmFrom] = [opts.algorithm, 'flag'];
  else if (fromLog) [algorithm, algorithmFrom] = [fromLog, 'log'];
  else if (nvlsRun && base.node.nvls) [algorithm, algorithmFrom] = ['nvls', 'nvls flag'];
  else [algorithm, algorithmFrom] = [domains <= 1 ? 'ring' : 'auto', 'default'];
  if (algorithm === 'nvls' && !base.node.nvls) throw invalid(algorithmFrom === 'flag' ? '--algo' : at, `the run used NVLS but ${base.name} has node.nvls false; pick a base system whose NVSwitch reduces (Hopper and later)`);
  const bandwidthField: CalibratedField = domains > 1 ? 'node.nicAchievedFraction' : algorithm === 'nvls' ? 'node.nvlsAlgbwFraction' : 'node.nvlinkAchievedFraction';
  const measured = run.rows
    .filter((r) => r.bytes > 0)
    .map((r) => {
      const t = rowTiming(r);
      return { bytes: r.bytes, seconds: t.timeMicroseconds * 1e-6, busbw: t.busbwGBps };
    });
  if (measured.length === 0) throw invalid(at, 'no row with a size above 0 bytes');
  const peak = Math.max(...measured.map((r) => r.busbw));
  if (!(peak > 0)) throw invalid(at, 'every row has busbw 0; nothing to calibrate bandwidth on');
  const rows = measured.map((r) => ({
    ...r,
    role: r.busbw >= BANDWIDTH_ROW_FRACTION * peak ? ('bandwidth' as const) : r.busbw < LATENCY_ROW_FRACTION * peak && domains > 1 ? ('latency' as const) : undefined,
  }));
  return { input, op, group, algorithm, algorithmFrom, bandwidthField, rows };
}

/** The model's time for a run's row on a system. */
function predict(system: SystemSpec, p: Prepared, bytes: number): { seconds: number; algorithm: string } {
  const r = analyticalNetwork(system).collective({ op: p.op, bytes, group: p.group, algorithm: p.algorithm });
  return { seconds: r.seconds, algorithm: `${r.algorithm}/${r.protocol}` };
}

function objective(system: SystemSpec, runs: Prepared[], role: 'bandwidth' | 'latency'): number {
  let sum = 0;
  for (const p of runs) {
    const net = analyticalNetwork(system);
    for (const r of p.rows) {
      if (r.role !== role) continue;
      const t = net.collective({ op: p.op, bytes: r.bytes, group: p.group, algorithm: p.algorithm }).seconds;
      sum += Math.log(t / r.seconds) ** 2;
    }
  }
  return sum;
}

/** Fits the fields the runs speak to, and reproduces every row with the result. */
export function calibrateSystem(base: SystemSpec, inputs: readonly CalibrationInput[], opts: CalibrateOptions = {}): SystemCalibration {
  if (inputs.length === 0) throw invalid('--nccl-tests', 'give at least one nccl-tests output file');
  const prepared = inputs.map((i) => prepare(base, i, opts));
  const notes: string[] = [];
  let system = base;
  const byField = (field: CalibratedField) => prepared.filter((p) => p.bandwidthField === field && p.rows.some((r) => r.role === 'bandwidth'));
  const latencyRuns = prepared.filter((p) => p.rows.some((r) => r.role === 'latency'));
  const fitField = (field: CalibratedField, runs: Prepared[], role: 'bandwidth' | 'latency') => {
    const { lo, hi, log } = RANGES[field];
    const f = (v: number) => objective(SETTERS[field](system, v), runs, role);
    const x = minimize1d(f, lo, hi, log);
    // Where the rows cannot tell the base's value from the fit (the model is limited by another
    // link there: a ring bound by NVLink does not see the NICs), keep the base's.
    const b = GETTERS[field](base);
    const kept = b !== undefined && f(b) <= f(x) * (1 + 1e-9) + 1e-12;
    if (kept) unconstrained.add(field);
    else unconstrained.delete(field);
    system = SETTERS[field](system, kept ? b : x);
  };
  const unconstrained = new Set<CalibratedField>();
  const order: Array<[CalibratedField, Prepared[], 'bandwidth' | 'latency']> = [
    ['node.nvlinkAchievedFraction', byField('node.nvlinkAchievedFraction'), 'bandwidth'],
    ['node.nvlsAlgbwFraction', byField('node.nvlsAlgbwFraction'), 'bandwidth'],
  ];
  const nic: Array<[CalibratedField, Prepared[], 'bandwidth' | 'latency']> = [
    ['node.nicAchievedFraction', byField('node.nicAchievedFraction'), 'bandwidth'],
    ['fabric.nicLatencyMicroseconds', latencyRuns, 'latency'],
  ];
  for (const [f, runs, role] of order) if (runs.length) fitField(f, runs, role);
  const rounds = nic.every(([, runs]) => runs.length) ? 3 : 1;
  for (let i = 0; i < rounds; i++) for (const [f, runs, role] of nic) if (runs.length) fitField(f, runs, role);

  const runs: RunCalibration[] = prepared.map((p) => {
    const { run, sha256 } = p.input;
    return {
      file: run.file,
      sha256,
      line: run.line,
      ...(run.program ? { program: run.program } : {}),
      op: p.op,
      ranks: run.ranks,
      nodes: p.group.nodes,
      ...(run.gpuName ? { gpuName: run.gpuName } : {}),
      algorithm: p.algorithm,
      algorithmFrom: p.algorithmFrom,
      bandwidthField: p.bandwidthField,
      rows: p.rows.map((r) => {
        const pr = predict(system, p, r.bytes);
        const factor = busBandwidthFactor(p.op, run.ranks);
        const fittedTo = r.role === 'bandwidth' ? p.bandwidthField : r.role === 'latency' ? ('fabric.nicLatencyMicroseconds' as const) : undefined;
        return {
          bytes: r.bytes,
          measuredTimeMicroseconds: r.seconds * 1e6,
          measuredBusbwGBps: r.busbw,
          predictedTimeMicroseconds: pr.seconds * 1e6,
          predictedBusbwGBps: ((r.bytes / pr.seconds) * factor) / 1e9,
          error: r.seconds / pr.seconds - 1,
          ...(fittedTo ? { fittedTo } : {}),
          algorithm: pr.algorithm,
        };
      }),
    };
  });

  const fits: FieldFit[] = [];
  for (const [field, fieldRuns, role] of [...order, ...nic]) {
    if (fieldRuns.length === 0) continue;
    const value = GETTERS[field](system)!;
    const errors: number[] = [];
    const from = fieldRuns.map((p) => {
      const rc = runs[prepared.indexOf(p)];
      const rows = rc.rows.filter((r) => r.fittedTo === field);
      for (const r of rows) errors.push(r.error);
      return { file: rc.file, sha256: rc.sha256, line: rc.line, ...(rc.program ? { program: rc.program } : {}), sizes: rows.map((r) => r.bytes) };
    });
    const logs = errors.map((e) => Math.log(1 + e));
    const b = GETTERS[field](base);
    const { lo, hi } = RANGES[field];
    if (unconstrained.has(field)) {
      notes.push(`${field}: the runs' rows fit the base preset's ${b ?? value} as well as any value (at their sizes another link limits the model): kept`);
    }
    const atBound = !unconstrained.has(field) && Math.abs(value - hi) < 1e-9 * hi || (lo === 0 ? value < 1e-6 : Math.abs(value - lo) < 1e-9);
    fits.push({
      field,
      value,
      ...(b !== undefined ? { base: b } : {}),
      from,
      residualRms: Math.sqrt(logs.reduce((s, x) => s + x * x, 0) / Math.max(logs.length, 1)),
      worstError: Math.max(0, ...errors.map(Math.abs)),
      atBound,
      keptBase: unconstrained.has(field),
    });
    if (atBound) {
      notes.push(
        field === 'fabric.nicLatencyMicroseconds'
          ? `${field} fitted to ${value < 1e-6 ? 'its floor, 0' : 'its ceiling'}: the model's fixed NCCL latencies alone ${value < 1e-6 ? 'exceed' : 'fall short of'} the measured small-message times`
          : `${field} fitted to its ${value >= hi ? 'ceiling, 1' : 'floor'}: the preset's line rate cannot reach the measured bandwidth with this field alone (check nvlinkGBpsPerGpu, nicGbps, nicsPerNode)`,
      );
    }
    void role;
  }
  for (const p of prepared) {
    const family = gpuFamily(p.input.run.gpuName);
    if (family && !base.gpu.name.toLowerCase().includes(family)) notes.push(`${p.input.run.file}: the log's GPU is ${p.input.run.gpuName} but ${base.name}'s is ${base.gpu.name}; was the right base system given?`);
  }
  const spoken = new Set(fits.map((f) => f.field));
  if (!prepared.some((p) => p.group.domains !== undefined && p.group.domains > 1)) notes.push('no run crosses NVLink domains: node.nicAchievedFraction and fabric.nicLatencyMicroseconds are the base preset\'s');
  else if (!spoken.has('fabric.nicLatencyMicroseconds')) notes.push(`no multi-node row has busbw under ${LATENCY_ROW_FRACTION * 100}% of its run's largest: fabric.nicLatencyMicroseconds is the base preset's (run from small sizes, e.g. -b 8)`);
  for (const p of prepared) {
    if (!p.rows.some((r) => r.role === 'bandwidth')) continue;
    if (p.algorithm === 'nvls') {
      const auto = analyticalNetwork(system).collective({ op: p.op, bytes: p.rows[p.rows.length - 1].bytes, group: p.group, algorithm: 'auto' });
      if (auto.algorithm !== 'nvls') notes.push(`${p.input.run.file}: with the fitted NVLS fraction the model's auto would pick ${auto.algorithm} at the largest size, not NVLS`);
    }
  }
  return { baseName: base.name, system, fits, runs, notes };
}
