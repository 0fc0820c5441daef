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
import { finishPlan, plan, preparePlan, runPlanTask, type PlanOptions, type PlanReport, type PlanRequest, type PlanSetup, type TaskResult } from '../planner/plan.js';

const WORKER_KIND = 'clustertwin-planner';

/** Below this many splits, starting threads costs more than it saves. */
export const MIN_PARALLEL_SPLITS = 20_000;

interface WorkerInput {
  kind: typeof WORKER_KIND;
  request: PlanRequest;
  catalog: PresetCatalog;
}

type ToWorker = { task: number } | { stop: true };
type FromWorker = { result: TaskResult } | { error: string };

export interface PoolOptions extends PlanOptions {
  /** Worker threads; default: every core. 1 runs in the calling thread. */
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
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), setup.tasks.length));
  if (threads === 1 || setup.total < MIN_PARALLEL_SPLITS) return { report: plan(req, catalog, opts), threads: 1 };
  const results = await runTasks(setup, { kind: WORKER_KIND, request: req, catalog }, threads, opts.onProgress);
  return { report: finishPlan(setup, results, catalog, opts), threads };
}

function runTasks(setup: PlanSetup, data: WorkerInput, threads: number, onProgress?: PlanOptions['onProgress']): Promise<TaskResult[]> {
  return new Promise((resolve, reject) => {
    const results: TaskResult[] = [];
    const workers: Worker[] = [];
    let next = 0;
    let considered = 0;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    const feed = (w: Worker): void => {
      const msg: ToWorker = next < setup.tasks.length ? { task: next++ } : { stop: true };
      w.postMessage(msg);
    };
    for (let i = 0; i < threads; i++) {
      const w = startWorker(data);
      workers.push(w);
      w.on('message', (msg: FromWorker) => {
        if ('error' in msg) return fail(new Error(`planner worker: ${msg.error}`));
        results.push(msg.result);
        considered += msg.result.counts.considered;
        onProgress?.(considered, setup.total);
        if (results.length === setup.tasks.length) {
          for (const x of workers) void x.terminate();
          resolve(results);
        } else {
          feed(w);
        }
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0 && results.length < setup.tasks.length) fail(new Error(`planner worker exited with code ${code}`));
      });
      feed(w);
    }
  });
}

/** The worker side: prepare the same setup, then run tasks until told to stop. */
function serve(input: WorkerInput): void {
  const port = parentPort;
  if (!port) return;
  let setup: PlanSetup | undefined;
  port.on('message', (msg: ToWorker) => {
    if ('stop' in msg) return void port.close();
    try {
      setup ??= preparePlan(input.request, input.catalog);
      const reply: FromWorker = { result: runPlanTask(setup, msg.task) };
      port.postMessage(reply);
    } catch (err) {
      const reply: FromWorker = { error: err instanceof Error ? err.message : String(err) };
      port.postMessage(reply);
    }
  });
}

if (!isMainThread && (workerData as WorkerInput | undefined)?.kind === WORKER_KIND) serve(workerData as WorkerInput);
