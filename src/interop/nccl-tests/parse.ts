/**
 * Reads the text nccl-tests prints (all_reduce_perf and friends) into runs: the operation, the ranks
 * and hosts, the GPU, and per message size the out-of-place and in-place time, algbw and busbw.
 *
 * The format, as NVIDIA/nccl-tests src/util.cu @a0b82b22 prints it (and older releases, whose
 * headers differ: no `root` column before 2.13, `error` where later ones say `#wrong`, `Rank N Pid`
 * without `Group`):
 *
 *   # nccl-tests version 2.17.1 nccl-headers=22703 nccl-library=22703      (newer releases only)
 *   # Collective test starting: all_reduce_perf                            (newer releases only)
 *   # nThread 1 nGpus 1 minBytes 8 maxBytes 8589934592 step: 2(factor) warmup iters: 5 iters: 20 ...
 *   # Using devices
 *   #  Rank  0 Group  0 Pid   1887 on   worker-1 device  0 [0x8d] NVIDIA H100 80GB HBM3
 *   #                                        out-of-place                       in-place
 *   #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
 *   #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
 *            8             2     float     sum      -1    12.90    0.00    0.00      0    12.87    0.00    0.00      0
 *   # Out of bounds values : 0 OK
 *   # Avg bus bandwidth    : 92.3405
 *
 * Columns are found by the header's names, so the per-iteration (-I 1) and timestamp columns and
 * the older layouts read alike. Lines may carry an `mpirun --tag-output` prefix (`[1,0]<stdout>:`)
 * or an `srun --label` one (`0: `). A row with its out-of-place columns blank (trace replay) has
 * only in-place figures. Pure: no file system; the caller names the file for messages.
 */
import { invalid } from '../../errors.js';
import type { CollectiveOp } from '../../network/network-model.js';

/** The operations nccl-tests has a program for; the twin models the CollectiveOp ones. */
export type NcclTestsOp = CollectiveOp | 'reduce' | 'gather' | 'scatter' | 'alltoallv' | 'hypercube';

/** nccl-tests program (without `_perf`) to operation. */
const PROGRAMS: Record<string, NcclTestsOp> = {
  all_reduce: 'allreduce',
  all_gather: 'allgather',
  reduce_scatter: 'reducescatter',
  alltoall: 'alltoall',
  alltoallv: 'alltoallv',
  sendrecv: 'sendrecv',
  broadcast: 'broadcast',
  reduce: 'reduce',
  gather: 'gather',
  scatter: 'scatter',
  hypercube: 'hypercube',
};

/** One timing of one size: nccl-tests' time (us), algbw and busbw (GB/s). */
export interface NcclTestsTiming {
  timeMicroseconds: number;
  algbwGBps: number;
  busbwGBps: number;
}

/** One row of the results table. */
export interface NcclTestsRow {
  /** Line of the row in the file (1-based). */
  line: number;
  /** nccl-tests' size column: the full buffer (all-reduce, all-gather, ...), the message for send/recv. */
  bytes: number;
  elements: number;
  dataType: string;
  redop?: string;
  root?: number;
  /** Absent when the row printed only in-place figures (trace replay). */
  outOfPlace?: NcclTestsTiming;
  inPlace?: NcclTestsTiming;
}

/** One nccl-tests run (one program's table). */
export interface NcclTestsRun {
  /** The file the run was read from, as the caller named it. */
  file: string;
  /** Line of the run's first line (its header, or its first row). */
  line: number;
  /** The program (e.g. all_reduce_perf), when the output or its command line names it. */
  program?: string;
  op: NcclTestsOp;
  /** How the operation was known. */
  opFrom: 'program' | 'columns' | 'given';
  ranks: number;
  /** Distinct host names in the Rank lines (0 when the listing was cut). */
  nodes: number;
  hosts: string[];
  /** GPU name(s) from the Rank lines, as CUDA reports them. */
  gpuName?: string;
  /** NCCL_ALGO as the log shows it (command line or environment), raw. */
  ncclAlgo?: string;
  rows: NcclTestsRow[];
  avgBusbwGBps?: number;
}

export interface ParseOptions {
  /** The operation for runs whose output names no program and whose columns cannot tell. */
  op?: NcclTestsOp;
}

const PREFIXES = [/^\[\d+,\d+\]<std(?:out|err)>:\s?/, /^\s*\d+:\s(?=\s*[#\d])/];
const stripPrefix = (line: string): string => PREFIXES.reduce((l, re) => l.replace(re, ''), line);

const RANK_LINE = /^#?\s*Rank\s+(\d+)\s+(?:Group\s+\d+\s+)?Pid\s+\d+\s+on\s+(\S+)\s+device\s+\d+\s+\[[^\]]*\]\s+(.*?)\s*$/;
const PROGRAM = /\b(all_reduce|all_gather|reduce_scatter|alltoallv|alltoall|sendrecv|broadcast|reduce|gather|scatter|hypercube)_perf(?:_mpi)?\b/;
const NCCL_ALGO = /\bNCCL_ALGO\s*[= ]\s*["']?([A-Za-z0-9_,:^;]+)/;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** The table header's column names, and where each figure sits. */
interface Columns {
  names: string[];
  size: number;
  count: number;
  type: number;
  redop?: number;
  root?: number;
  /** Index of time, algbw, busbw for out-of-place ([0]) and in-place ([1]). */
  timing: Array<{ time: number; algbw: number; busbw: number }>;
  /** Columns of one timing group (time .. the next group's time). */
  groupWidth: number;
}

function headerColumns(tokens: string[]): Columns | undefined {
  const at = (n: string) => tokens.indexOf(n);
  if (at('size') !== 0 || at('count') < 0 || at('algbw') < 0 || at('busbw') < 0) return undefined;
  const times = tokens.flatMap((t, i) => (t === 'time' || t === 'cputime' ? [i] : []));
  const timing = times.map((t) => ({ time: t, algbw: tokens.indexOf('algbw', t), busbw: tokens.indexOf('busbw', t) }));
  if (timing.length === 0 || timing.some((g) => g.algbw < 0 || g.busbw < 0)) return undefined;
  return {
    names: tokens,
    size: 0,
    count: at('count'),
    type: at('type') >= 0 ? at('type') : 2,
    redop: at('redop') >= 0 ? at('redop') : undefined,
    root: at('root') >= 0 ? at('root') : undefined,
    timing,
    groupWidth: timing.length > 1 ? timing[1].time - timing[0].time : tokens.length - timing[0].time,
  };
}

const where = (file: string, line: number): string => `${file}:${line}`;

interface Draft {
  line: number;
  preamble: string[];
  program?: string;
  ranks: Map<number, { host: string; gpu: string }>;
  columns?: Columns;
  rows: NcclTestsRow[];
  avgBusbwGBps?: number;
  ended: boolean;
}

const newDraft = (line: number, preamble: string[]): Draft => ({ line, preamble, ranks: new Map(), rows: [], ended: false });

function parseRow(tokens: string[], c: Columns, file: string, line: number): NcclTestsRow {
  const num = (i: number, what: string): number => {
    const t = tokens[i];
    if (t === undefined || !NUMBER.test(t)) throw invalid(where(file, line), `expected a number for ${what} (column ${i + 1}), got ${t === undefined ? 'nothing' : JSON.stringify(t)}`);
    return Number(t);
  };
  const bytes = num(c.size, 'size');
  const elements = num(c.count, 'count');
  if (!Number.isInteger(bytes) || bytes < 0) throw invalid(where(file, line), `size must be a whole number of bytes, got ${tokens[c.size]}`);
  // A trace-replay row leaves the out-of-place group blank: the in-place group moves left by its width.
  const full = c.timing[c.timing.length - 1].busbw + 1;
  const blankOutOfPlace = c.timing.length > 1 && tokens.length < full && tokens.length >= full - c.groupWidth;
  const timing = (g: { time: number; algbw: number; busbw: number }, shift: number, label: string): NcclTestsTiming => {
    const t: NcclTestsTiming = { timeMicroseconds: num(g.time - shift, `${label} time`), algbwGBps: num(g.algbw - shift, `${label} algbw`), busbwGBps: num(g.busbw - shift, `${label} busbw`) };
    if (!(t.timeMicroseconds > 0)) throw invalid(where(file, line), `${label} time must be above 0 us, got ${t.timeMicroseconds}`);
    return t;
  };
  const row: NcclTestsRow = { line, bytes, elements, dataType: tokens[c.type] };
  if (c.redop !== undefined) row.redop = tokens[c.redop];
  if (c.root !== undefined) row.root = num(c.root, 'root');
  if (blankOutOfPlace) {
    row.inPlace = timing(c.timing[1], c.groupWidth, 'in-place');
  } else {
    row.outOfPlace = timing(c.timing[0], 0, c.timing.length > 1 ? 'out-of-place' : 'the');
    if (c.timing.length > 1) row.inPlace = timing(c.timing[1], 0, 'in-place');
  }
  return row;
}

/** Ranks implied by busbw/algbw for an operation (undefined when the ratio cannot say). */
function ranksFromRatio(op: NcclTestsOp, ratio: number): number | undefined {
  // allreduce: r = 2(n-1)/n, n = 2/(2-r); gather family: r = (n-1)/n, n = 1/(1-r).
  const n = op === 'allreduce' ? 2 / (2 - ratio) : op === 'allgather' || op === 'reducescatter' || op === 'alltoall' ? 1 / (1 - ratio) : undefined;
  return n !== undefined && Number.isFinite(n) && n >= 1 && n < 1e6 ? Math.round(n) : undefined;
}

/** The row whose printed figures give the most precise busbw/algbw ratio. */
function bestRatio(rows: NcclTestsRow[]): { ratio: number; line: number } | undefined {
  let best: { ratio: number; line: number; algbw: number } | undefined;
  for (const r of rows) {
    const t = r.inPlace ?? r.outOfPlace;
    if (!t || !(t.algbwGBps > 0)) continue;
    if (!best || t.algbwGBps > best.algbw) best = { ratio: t.busbwGBps / t.algbwGBps, line: r.line, algbw: t.algbwGBps };
  }
  return best && best.algbw >= 1 ? best : undefined;
}

/** The operation from the columns when no program is named: busbw/algbw, the redop and the root. */
function opFromColumns(rows: NcclTestsRow[], ranks: number | undefined): NcclTestsOp | undefined {
  const r = bestRatio(rows);
  const first = rows[0];
  if (!r || !first) return undefined;
  const none = first.redop === undefined || first.redop === 'none';
  const rooted = first.root !== undefined && first.root >= 0;
  if (Math.abs(r.ratio - 1) < 0.01) {
    if (ranks === 2 && !rooted) return undefined;
    return rooted ? (none ? 'broadcast' : 'reduce') : 'sendrecv';
  }
  if (r.ratio > 1.01) return 'allreduce';
  // (n-1)/n: reduce-scatter reduces; all-gather and all-to-all both say `none`.
  return none ? undefined : 'reducescatter';
}

function finish(d: Draft, file: string, opts: ParseOptions): NcclTestsRun {
  if (!d.columns) throw invalid(where(file, d.line), 'an nccl-tests run without its table header (the "# size count type ..." line)');
  if (d.rows.length === 0) throw invalid(where(file, d.line), 'an nccl-tests table with no rows');
  const pre = d.preamble.join('\n');
  const program = d.program ?? PROGRAM.exec(pre)?.[0];
  const listed = d.ranks.size > 0 ? Math.max(...d.ranks.keys()) + 1 : undefined;
  let op: NcclTestsOp | undefined = program ? PROGRAMS[PROGRAM.exec(program)![1]] : undefined;
  let opFrom: NcclTestsRun['opFrom'] = 'program';
  if (!op) {
    op = opFromColumns(d.rows, listed);
    opFrom = 'columns';
  }
  if (!op && opts.op) {
    op = opts.op;
    opFrom = 'given';
  }
  if (!op) {
    throw invalid(
      where(file, d.line),
      'cannot tell which operation this table measured: the output names no *_perf program (keep the command line or the "# Collective test starting" line) and its columns fit more than one; give --op',
    );
  }
  const ratio = bestRatio(d.rows);
  const implied = ratio ? ranksFromRatio(op, ratio.ratio) : undefined;
  const ranks = listed ?? implied;
  if (ranks === undefined) throw invalid(where(file, d.line), 'cannot tell the number of ranks: no "#  Rank N ... on HOST device" lines and no row with algbw of 1 GB/s or more to infer it from busbw/algbw');
  if (listed !== undefined && implied !== undefined && implied !== listed) {
    throw invalid(
      where(file, ratio!.line),
      `busbw/algbw = ${ratio!.ratio.toFixed(4)} implies ${implied} ranks for ${op} but the Rank lines list ${listed}; were several processes' outputs pasted together (run nccl-tests built with MPI=1 under mpirun)?`,
    );
  }
  const hosts = [...new Set([...d.ranks.values()].map((r) => r.host))];
  // A listing cut short (nccl-tests truncates at 2 KB per process; pastes get trimmed) says nothing of the hosts.
  const complete = listed !== undefined && d.ranks.size === listed;
  const gpus = [...new Set([...d.ranks.values()].map((r) => r.gpu))];
  // A list is NCCL's ("Ring,Tree"); a separator at the end is prose.
  const algo = NCCL_ALGO.exec(pre)?.[1].replace(/[,;:]+$/, '');
  const run: NcclTestsRun = { file, line: d.line, op, opFrom, ranks, nodes: complete ? hosts.length : 0, hosts: complete ? hosts : [], rows: d.rows };
  if (program) run.program = program.replace(/_mpi$/, '');
  if (gpus.length) run.gpuName = gpus.join(', ');
  if (algo) run.ncclAlgo = algo;
  if (d.avgBusbwGBps !== undefined) run.avgBusbwGBps = d.avgBusbwGBps;
  return run;
}

/** Every nccl-tests run in a text; a one-line error naming the file and line for malformed input. */
export function parseNcclTests(text: string, file = 'input', opts: ParseOptions = {}): NcclTestsRun[] {
  const lines = text.split(/\r?\n/);
  const runs: NcclTestsRun[] = [];
  let preamble: string[] = [];
  let d: Draft | undefined;
  const close = () => {
    if (d && (d.rows.length > 0 || d.columns)) runs.push(finish(d, file, opts));
    d = undefined;
  };
  // A run header (`# nThread`, `# Collective test starting`, `# nccl-tests version`) after a table starts the next run.
  const startRun = (no: number) => {
    if (d && (d.rows.length > 0 || d.ended)) close();
    if (!d) {
      d = newDraft(no, preamble);
      preamble = [];
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const no = i + 1;
    const raw = stripPrefix(lines[i]);
    const body = raw.replace(/^\s*#\s?/, '').trim();
    const tokens = body.split(/\s+/).filter(Boolean);
    if (/^nccl-tests version\b/.test(body) || /^nThread\s+\d+/.test(body)) {
      startRun(no);
      continue;
    }
    const started = /^Collective test starting:\s*(\S+)/.exec(body);
    if (started) {
      startRun(no);
      d!.program = started[1];
      continue;
    }
    const rank = RANK_LINE.exec(raw.trim());
    if (rank) {
      startRun(no);
      d!.ranks.set(Number(rank[1]), { host: rank[2], gpu: rank[3] });
      continue;
    }
    const columns = headerColumns(tokens);
    if (columns) {
      if (d && (d.rows.length > 0 || d.ended)) close();
      if (!d) {
        d = newDraft(no, preamble);
        preamble = [];
      }
      if (d.columns && d.rows.length === 0) {
        if (d.columns.names.join(' ') !== columns.names.join(' ')) throw invalid(where(file, no), 'a second, different table header before any row');
      }
      d.columns = columns;
      continue;
    }
    const avg = /^Avg bus bandwidth\s*:\s*(\S+)/.exec(body);
    if (avg && d) {
      if (NUMBER.test(avg[1])) d.avgBusbwGBps = Number(avg[1]);
      d.ended = true;
      continue;
    }
    if (/^Out of bounds values\s*:/.test(body) && d) {
      d.ended = true;
      continue;
    }
    // A data row: unprefixed by '#', first token a whole number, inside a table.
    const isRow = d?.columns && !d.ended && !/^\s*#/.test(raw) && tokens.length > 0 && /^\d+$/.test(tokens[0]) && tokens.length >= 5 && /^\d+$/.test(tokens[1]);
    if (isRow && d && d.columns) {
      const row = parseRow(tokens, d.columns, file, no);
      const previous = d.rows[d.rows.length - 1];
      if (previous && row.bytes <= previous.bytes && d.rows.some((r) => r.bytes === row.bytes)) {
        throw invalid(
          where(file, no),
          `size ${row.bytes} appears twice in one table (first at line ${d.rows.find((r) => r.bytes === row.bytes)!.line}): several processes' outputs interleaved? Run nccl-tests built with MPI=1 under mpirun, or keep one table`,
        );
      }
      d.rows.push(row);
      continue;
    }
    if (d?.columns && !d.ended && d.rows.length > 0 && tokens.length > 0 && /^\d+$/.test(tokens[0]) && !/^\s*#/.test(raw)) {
      throw invalid(where(file, no), `a table row with too few columns (${tokens.length}; the header has ${d.columns.names.length})`);
    }
    if (d && !d.columns) d.preamble.push(raw);
    else preamble.push(raw);
    // Keep the preamble short: only what precedes a run can name its program.
    if (preamble.length > 200) preamble.shift();
  }
  close();
  if (runs.length === 0) throw invalid(file, 'no nccl-tests results table found (a "#  size  count  type ..." header followed by rows)');
  return runs;
}

/** The busbw of a row as calibration reads it: in-place where printed (what published tables quote), else out-of-place. */
export function rowTiming(row: NcclTestsRow): NcclTestsTiming {
  return (row.inPlace ?? row.outOfPlace)!;
}
