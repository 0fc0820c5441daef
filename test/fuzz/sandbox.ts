/**
 * The fuzz suite's CLI sandbox: a worker thread running the real CLI entry with a heap limit, and
 * a time limit per case. A case past either is reported as what it is (a hang, an exhausted heap)
 * and the worker is started afresh for the next case.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

export interface SandboxResult {
  code: number;
  stdout: string;
  stderr: string;
  /** An exception that left main() (a defect). */
  escaped?: string;
  /** Past the time limit: a hang. */
  timedOut?: boolean;
  /** The worker died (heap exhausted, or a native crash). */
  crashed?: string;
}

const WORKER = fileURLToPath(new URL('./cli-worker.mjs', import.meta.url));

export class CliSandbox {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private next = 0;

  constructor(
    /** Heap the CLI may use, MB: the budget for one command is a few hundred MB. */
    private readonly heapMb = 1024,
    /** Time one case may take: a hang guard, far above any answer's time. */
    private readonly timeoutMs = 30_000,
  ) {}

  private start(): Promise<void> {
    const w = new Worker(WORKER, { resourceLimits: { maxOldGenerationSizeMb: this.heapMb }, env: { ...process.env, NO_COLOR: '1' }, stdout: true, stderr: true });
    this.worker = w;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        w.off('message', onMessage);
        resolve();
      };
      w.on('message', onMessage);
      w.once('error', reject);
    });
    return this.ready;
  }

  async run(args: string[]): Promise<SandboxResult> {
    if (!this.worker) await this.start();
    await this.ready;
    const w = this.worker as Worker;
    const id = this.next++;
    return new Promise<SandboxResult>((resolve) => {
      const done = (r: SandboxResult, restart: boolean) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        if (restart) {
          void w.terminate();
          this.worker = undefined;
        }
        resolve(r);
      };
      const onMessage = (m: SandboxResult & { id: number }) => {
        if (m.id === id) done(m, false);
      };
      const onError = (err: Error) => done({ code: -1, stdout: '', stderr: '', crashed: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` }, true);
      const onExit = (exitCode: number) => done({ code: -1, stdout: '', stderr: '', crashed: `worker exited with ${exitCode}` }, true);
      const timer = setTimeout(() => done({ code: -1, stdout: '', stderr: '', timedOut: true }, true), this.timeoutMs);
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
      w.postMessage({ id, args });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
