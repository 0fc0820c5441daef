import { describe, expect, it } from 'vitest';
import { parseNcclTests } from './parse.js';

// Header and row layouts as NVIDIA/nccl-tests src/util.cu @a0b82b22 prints them, and as older
// releases did (no root column, `error` for `#wrong`, `Rank N Pid` without Group).
const HEADER = [
  '#                                                              out-of-place                       in-place          ',
  '#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong',
  '#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       ',
];
const rank = (r: number, host: string, gpu = 'NVIDIA H100 80GB HBM3') => `#  Rank ${String(r).padStart(2)} Group  0 Pid   1887 on ${host.padStart(10)} device ${String(r % 8).padStart(2)} [0x8d] ${gpu}`;
const row = (bytes: number, t: number, n: number, f = (2 * (n - 1)) / n) => {
  const alg = bytes / t / 1e3;
  return `${String(bytes).padStart(12)}  ${String(bytes / 4).padStart(12)}     float     sum      -1  ${t.toFixed(2).padStart(7)}  ${alg.toFixed(2).padStart(6)}  ${(alg * f).toFixed(2).padStart(6)}      0  ${t.toFixed(2).padStart(7)}  ${alg.toFixed(2).padStart(6)}  ${(alg * f).toFixed(2).padStart(6)}      0`;
};

const twoNodes = [
  '# nccl-tests version 2.17.1 nccl-headers=22703 nccl-library=22703',
  '# Collective test starting: all_reduce_perf',
  '# nThread 1 nGpus 1 minBytes 8 maxBytes 8589934592 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0',
  '#',
  '# Using devices',
  ...Array.from({ length: 16 }, (_, r) => rank(r, r < 8 ? 'worker-0' : 'worker-1')),
  ...HEADER,
  row(8, 30.5, 16),
  row(1 << 30, 12000, 16),
  '# Out of bounds values : 0 OK',
  '# Avg bus bandwidth    : 87.1234 ',
  '#',
  '# Collective test concluded: all_reduce_perf',
].join('\n');

describe('parseNcclTests', () => {
  it('reads a multi-node run: operation, ranks, hosts, GPU, both timings per size, the average', () => {
    const [run] = parseNcclTests(twoNodes, 'ar.txt');
    expect(run).toMatchObject({ op: 'allreduce', opFrom: 'program', program: 'all_reduce_perf', ranks: 16, nodes: 2, gpuName: 'NVIDIA H100 80GB HBM3', avgBusbwGBps: 87.1234 });
    expect(run.rows.map((r) => r.bytes)).toEqual([8, 1 << 30]);
    expect(run.rows[1]).toMatchObject({ line: twoNodes.split('\n').indexOf(row(1 << 30, 12000, 16)) + 1, elements: (1 << 30) / 4, dataType: 'float', redop: 'sum', root: -1 });
    expect(run.rows[1].outOfPlace!.timeMicroseconds).toBe(12000);
    expect(run.rows[1].inPlace!.busbwGBps).toBeCloseTo(((1 << 30) / 12000 / 1e3) * (30 / 16), 2);
  });

  it('strips mpirun --tag-output and srun --label prefixes', () => {
    const tagged = twoNodes.split('\n').map((l) => `[1,0]<stdout>:${l}`).join('\n');
    const labelled = twoNodes.split('\n').map((l) => `0: ${l}`).join('\n');
    for (const t of [tagged, labelled]) {
      const [run] = parseNcclTests(t, 'x');
      expect(run.ranks).toBe(16);
      expect(run.nodes).toBe(2);
      expect(run.rows).toHaveLength(2);
    }
  });

  it('reads the older layout (no root column, error column, Rank lines without Group) and takes the program from the command line', () => {
    const old = [
      '$ mpirun -np 2 ./build/broadcast_perf -b 8 -e 128M -f 2 -g 1',
      '# nThread 1 nGpus 1 minBytes 8 maxBytes 134217728 step: 2(factor) warmup iters: 5 iters: 20 validation: 1',
      '#   Rank  0 Pid  14926 on v100-gpu-1 device  0 [0x00] Tesla V100-PCIE-16GB',
      '#   Rank  1 Pid   9210 on v100-gpu-5 device  0 [0x00] Tesla V100-PCIE-16GB',
      '#                                                     out-of-place                       in-place          ',
      '#       size         count    type    root     time   algbw   busbw  error     time   algbw   busbw  error',
      '#        (B)    (elements)                     (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       ',
      '           8             2   float       0    45.82    0.00    0.00    N/A    38.17    0.00    0.00    N/A',
      '   134217728      33554432   float       0    12000   11.18   11.18  0e+00    12001   11.18   11.18  0e+00',
    ].join('\n');
    const [run] = parseNcclTests(old, 'bc.txt');
    expect(run).toMatchObject({ op: 'broadcast', program: 'broadcast_perf', ranks: 2, nodes: 2, gpuName: 'Tesla V100-PCIE-16GB' });
    expect(run.rows[0]).toMatchObject({ root: 0, dataType: 'float' });
    expect(run.rows[0].redop).toBeUndefined();
    expect(run.rows[1].inPlace!.timeMicroseconds).toBe(12001);
  });

  it('reads per-iteration columns (-I 1) and rows with the out-of-place columns blank', () => {
    const perIter = [
      '# Collective test starting: all_gather_perf',
      rank(0, 'h'),
      rank(1, 'h'),
      '#       size         count      type   redop    root     time   algbw   busbw #wrong    i_min    i_max    i_p99    i_cv%     time   algbw   busbw #wrong    i_min    i_max    i_p99    i_cv%',
      '     1048576        131072     float    none      -1    20.00   52.43   26.21      0    19.00    21.00    21.00     1.00    21.00   49.93   24.97      0    20.00    22.00    22.00     1.00',
    ].join('\n');
    const [a] = parseNcclTests(perIter, 'x');
    expect(a.op).toBe('allgather');
    expect(a.rows[0].outOfPlace).toEqual({ timeMicroseconds: 20, algbwGBps: 52.43, busbwGBps: 26.21 });
    expect(a.rows[0].inPlace).toEqual({ timeMicroseconds: 21, algbwGBps: 49.93, busbwGBps: 24.97 });
    const blank = ['# Collective test starting: all_reduce_perf', rank(0, 'h'), rank(1, 'h'), ...HEADER, `     1048576        262144     float     sum      -1${' '.repeat(32)}    20.00   52.43   52.43    N/A`].join('\n');
    const [b] = parseNcclTests(blank, 'x');
    expect(b.rows[0].outOfPlace).toBeUndefined();
    expect(b.rows[0].inPlace).toEqual({ timeMicroseconds: 20, algbwGBps: 52.43, busbwGBps: 52.43 });
  });

  it('reads several runs from one file, and tells the operation from the columns when no program is named', () => {
    const noProgram = (n: number, f: number) => [...Array.from({ length: n }, (_, r) => rank(r, 'h')), ...HEADER, row(1 << 28, 2000, n, f), '# Avg bus bandwidth    : 1'].join('\n');
    const runs = parseNcclTests([noProgram(8, 1.75), '# nThread 1 nGpus 8', noProgram(4, 1.5)].join('\n'), 'x');
    expect(runs.map((r) => [r.op, r.opFrom, r.ranks])).toEqual([['allreduce', 'columns', 8], ['allreduce', 'columns', 4]]);
  });

  it('infers the ranks from busbw/algbw when the Rank listing is cut, and leaves the hosts unknown', () => {
    const cut = ['# Collective test starting: all_reduce_perf', rank(71, 'slurm-gb200-207-171', 'NVIDIA Graphics Device'), ...HEADER, row(1 << 30, 3000, 72)].join('\n');
    const [run] = parseNcclTests(cut, 'x');
    expect(run.ranks).toBe(72);
    expect(run.nodes).toBe(0);
    const none = ['# Collective test starting: all_reduce_perf', ...HEADER, row(1 << 30, 3000, 16)].join('\n');
    expect(parseNcclTests(none, 'x')[0].ranks).toBe(16);
  });

  it('reads NCCL_ALGO from the command line or environment', () => {
    expect(parseNcclTests(`mpirun -x NCCL_ALGO=Ring -np 16 all_reduce_perf -b 8 -e 8G\n${twoNodes}`, 'x')[0].ncclAlgo).toBe('Ring');
    expect(parseNcclTests(twoNodes, 'x')[0].ncclAlgo).toBeUndefined();
  });

  it.each([
    ['no table', 'hello\nworld', /^x: no nccl-tests results table found/],
    ['a malformed number', twoNodes.replace('12000.00', '12O00.00'), /^x:\d+: expected a number for out-of-place time \(column 6\), got "12O00\.00"/],
    ['interleaved processes', `${twoNodes.split('# Out of bounds')[0]}${row(8, 31, 16)}\n`, /^x:\d+: size 8 appears twice in one table \(first at line \d+\)/],
    ['a short row', twoNodes.replace(/( +0)$/m, '').replace(row(8, 30.5, 16), '           8             2     float     sum      -1    30.50'), /^x:\d+: /],
    ['ranks that disagree with busbw/algbw', twoNodes.replace(/^#  Rank 1[0-5].*\n/gm, '').replace(/^#  Rank  ?9.*\n/gm, ''), /implies 16 ranks for allreduce but the Rank lines list \d+/],
    ['an operation the columns cannot tell', [rank(0, 'h'), rank(1, 'h'), ...HEADER.map((l) => l), row(1 << 28, 2000, 2, 0.5).replace(' sum ', 'none ')].join('\n'), /cannot tell which operation.*give --op/],
  ])('refuses %s with an error naming the file and line', (_, text, message) => {
    expect(() => parseNcclTests(text, 'x')).toThrow(message);
  });

  it('takes --op for a table whose columns cannot tell', () => {
    const t = [rank(0, 'h'), rank(1, 'h'), ...HEADER, row(1 << 28, 2000, 2, 0.5).replace(' sum ', 'none ')].join('\n');
    expect(parseNcclTests(t, 'x', { op: 'alltoall' })[0]).toMatchObject({ op: 'alltoall', opFrom: 'given' });
  });
});
