/**
 * The Web Worker that runs the page's slower tools (plan, reliability, serve) off the page's
 * thread, posting progress as it goes. Messages: in, a ToolJob; out, progress, a result or the
 * error line.
 */
import { pageError, type PageError } from './evaluate.js';
import { runToolJob, type ToolJob, type ToolResult } from './tool-jobs.js';

/** What the worker posts back. */
export type WorkerMessage = { progress: number } | { result: ToolResult; seconds: number } | { error: PageError };

const post = (m: WorkerMessage): void => (self as unknown as Worker).postMessage(m);

self.onmessage = (e: MessageEvent<ToolJob>) => {
  const t0 = performance.now();
  let last = 0;
  try {
    const result = runToolJob(e.data, (share) => {
      // At most a message every 1% so the page is not flooded.
      if (share - last >= 0.01 || share >= 1) {
        last = share;
        post({ progress: share });
      }
    });
    post({ result, seconds: (performance.now() - t0) / 1000 });
  } catch (err) {
    post({ error: pageError(err) });
  }
};
