/** Runs a tool job in a fresh Web Worker (one per job, so a new job simply replaces a running one). */
import type { ToolJob, ToolResult } from './tool-jobs.js';
import type { PageError } from './evaluate.js';
import type { WorkerMessage } from './tool-worker.js';

/** A job in its worker: its outcome to come, and a way to stop it. */
export interface RunningJob {
  done: Promise<{ result: ToolResult; seconds: number } | { error: PageError }>;
  cancel: () => void;
}

export function startToolJob(job: ToolJob, onProgress: (share: number) => void): RunningJob {
  const worker = new Worker(new URL('./tool-worker.ts', import.meta.url), { type: 'module' });
  const done = new Promise<{ result: ToolResult; seconds: number } | { error: PageError }>((resolve) => {
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if ('progress' in m) return onProgress(m.progress);
      worker.terminate();
      resolve(m);
    };
    worker.onerror = (e) => {
      worker.terminate();
      resolve({ error: { line: `error: internal error: ${e.message} (a bug in clustertwin: please report it with the scenario link)`, field: null } });
    };
  });
  worker.postMessage(job);
  return { done, cancel: () => worker.terminate() };
}
