/**
 * The planner on worker threads: one worker per core, each pulling tasks
 * (groups of splits) from a queue. Every worker prepares the same setup
 * from the same request, so a task means the same splits in every thread,
 * and the merge breaks ties on each split's place in the enumeration: the
 * report is identical to the single-threaded one.
 *
 * The worker is this same file (see `startWorker`).
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PresetCatalog } from '../config/catalog.js';
import { finishPlan, preparePlan, runPlan, runPlanTask, runPlanTasks, type PlanOptions, type PlanReport, type PlanRequest, type PlanSetup, type TaskResult } from '../planner/plan.js';
import { shardPlanSetup, type Shard } from '../planner/shard.js';

const WORKER_KIND = 'clustertwin-planner';

/** Below this many splits, starting threads costs more than it saves. */
export const MIN_PARALLEL_SPLITS = 100_000;

interface WorkerInput {
  kind: typeof WORKER_KIND;
  request: PlanRequest;
  catalog: PresetCatalog;
  /** The slice of the space this run searches (`plan --shard`); every worker cuts the same one. */
  shard?: Shard;
}

type ToWorker = { task: number };
type FromWorker = { result: TaskResult } | { error: string };

export interface PoolOptions extends PlanOptions {
  /** Threads that search, the calling thread included; default: every core. 1 runs in the calling thread alone. */
  threads?: number;
}

export interface PooledReport {
  report: PlanReport;
  /** Threads that searched (1: the calling thread). */
  threads: number;
}

/**
 * Starts a worker running this file. Compiled, that is plain JavaScript.
 * From TypeScript source (tsx, vitest) the worker registers tsx's loader
 * first and then imports the file: Node 20 ignores loaders given to a worker
 * through `execArgv: ['--import', 'tsx']` (nodejs/node#47747).
 */
function startWorker(data: WorkerInput): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(self), { workerData: data });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(self)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

/** Runs the planner, on worker threads when the space is large enough. */
export async function planOnThreads(req: PlanRequest, catalog: PresetCatalog, opts: PoolOptions = {}): Promise<PooledReport> {
  const setup = preparePlan(req, catalog);
  const threads = poolThreads(setup, opts.threads);
  if (threads === 1) return { report: runPlan(setup, catalog, opts), threads: 1 };
  const results = await runTasks(setup, { kind: WORKER_KIND, request: req, catalog }, threads, opts.onProgress);
  return { report: finishPlan(setup, results, catalog, opts), threads };
}

/** Threads worth starting for a setup: 1 when the space is small. */
function poolThreads(setup: PlanSetup, asked: number | undefined): number {
  const threads = Math.max(1, Math.min(asked ?? availableParallelism(), setup.tasks.length));
  return setup.total < MIN_PARALLEL_SPLITS ? 1 : threads;
}

export interface PooledSearch {
  /** The whole space's setup (what the merge finishes with). */
  setup: PlanSetup;
  /** One result per task of the whole setup, holding this shard's groups only. */
  results: TaskResult[];
  /** Threads that searched. */
  threads: number;
}

/** Searches one shard of the space, on worker threads when its slice is large enough, and stops before the re-check. */
export async function searchShardOnThreads(req: PlanRequest, catalog: PresetCatalog, shard: Shard, opts: Omit<PoolOptions, 'replayPrefix'> = {}): Promise<PooledSearch> {
  const setup = preparePlan(req, catalog);
  const sliced = shardPlanSetup(setup, shard);
  const threads = poolThreads(sliced, opts.threads);
  if (threads === 1) return { setup, results: runPlanTasks(sliced, opts.onProgress), threads: 1 };
  const results = await runTasks(sliced, { kind: WORKER_KIND, request: req, catalog, shard }, threads, opts.onProgress);
  results.sort((a, b) => a.task - b.task);
  return { setup, results, threads };
}

/** Tasks each worker holds at once, so it never waits for the main thread between tasks. */
const IN_FLIGHT_PER_WORKER = 2;

/**
 * Runs every task: `threads - 1` workers pull tasks while the calling thread
 * works through the queue too (it starts at once, while the workers boot),
 * yielding between tasks so the workers' messages are served.
 */
async function runTasks(setup: PlanSetup, data: WorkerInput, threads: number, onProgress?: PlanOptions['onProgress']): Promise<TaskResult[]> {
  const count = setup.tasks.length;
  const results: TaskResult[] = [];
  let next = 0;
  let considered = 0;
  let failure: Error | undefined;
  let settle: (() => void) | undefined;
  const record = (r: TaskResult): void => {
    results.push(r);
    considered += r.counts.considered;
    onProgress?.(considered, setup.total);
    if (results.length === count) settle?.();
  };
  const fail = (err: Error): void => {
    failure ??= err;
    settle?.();
  };
  const workers = Array.from({ length: threads - 1 }, () => startWorker(data));
  const feed = (w: Worker): void => {
    if (next < count) w.postMessage({ task: next++ } satisfies ToWorker);
  };
  for (const w of workers) {
    w.on('message', (msg: FromWorker) => {
      if ('error' in msg) return fail(new Error(`planner worker: ${msg.error}`));
      record(msg.result);
      feed(w);
    });
    w.on('error', fail);
    w.on('exit', (code) => {
      if (code !== 0 && results.length < count) fail(new Error(`planner worker exited with code ${code}`));
    });
    for (let i = 0; i < IN_FLIGHT_PER_WORKER; i++) feed(w);
  }
  try {
    while (next < count && !failure) {
      record(runPlanTask(setup, next++));
      await new Promise<void>((r) => setImmediate(r));
    }
    if (results.length < count && !failure) await new Promise<void>((r) => (settle = r));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure) throw failure;
  return results;
}

/** The worker side: prepare the same setup, then run the tasks it is sent. */
function serve(input: WorkerInput): void {
  const port = parentPort;
  if (!port) return;
  let setup: PlanSetup | undefined;
  port.on('message', (msg: ToWorker) => {
    try {
      setup ??= input.shard ? shardPlanSetup(preparePlan(input.request, input.catalog), input.shard) : preparePlan(input.request, input.catalog);
      const reply: FromWorker = { result: runPlanTask(setup, msg.task) };
      port.postMessage(reply);
    } catch (err) {
      const reply: FromWorker = { error: err instanceof Error ? err.message : String(err) };
      port.postMessage(reply);
    }
  });
}

if (!isMainThread && (workerData as WorkerInput | undefined)?.kind === WORKER_KIND) serve(workerData as WorkerInput);
