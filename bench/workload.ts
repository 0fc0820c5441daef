/**
 * Workload benchmarks: the Acme-matched generator over the benchmark fleet (90 days of a
 * 10,752-GPU fleet: ~2.2 million Seren-like jobs at the default 85% offered load), and reading a
 * 100,000-row trace in Acme's CSV format.
 */
import { Bench } from 'tinybench';
import { generateWorkload, loadTrace } from '../src/fleet/workload/index.js';
import { printBench, printFigure } from './print.js';

const fleet = { gpus: 10_752, days: 90, seed: 1 };
const seren = generateWorkload('acme-seren', fleet);
printFigure('acme-seren over 90 days of 10,752 GPUs', `${seren.length.toLocaleString('en-US')} jobs`);

const header = 'job_id,user,node_num,gpu_num,cpu_num,type,state,submit_time,start_time,end_time,duration,queue,gpu_time';
const iso = (s: number): string => new Date(Date.UTC(2023, 2, 1) + s * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '+00:00');
const rows = seren.slice(0, 100_000).map((j, i) =>
  [i, 'u1', Math.ceil(j.gpus / 8), j.gpus, 16, 'Other', (j.traceState ?? 'completed').toUpperCase(), iso(j.submitSeconds), iso(j.submitSeconds), iso(j.submitSeconds + j.durationSeconds), j.durationSeconds, 0, j.gpus * j.durationSeconds].join(','),
);
const acmeCsv = [header, ...rows].join('\n');

const bench = new Bench({ time: 1000, iterations: 3, warmupTime: 0, warmupIterations: 1 });
bench
  .add('generateWorkload acme-seren: 90 days of 10,752 GPUs', () => {
    generateWorkload('acme-seren', fleet);
  })
  .add('loadTrace: 100,000 rows of Acme CSV', () => {
    loadTrace('trace_seren.csv', acmeCsv);
  });

await bench.run();
printBench('Workload', bench);
