/**
 * A torchrun line for a framework command (options: PyTorch docs, "torchrun (Elastic Launch)",
 * docs.pytorch.org/docs/stable/elastic/run.html: --nnodes, --nproc-per-node, --rdzv-backend,
 * --rdzv-endpoint, --rdzv-id). The rendezvous endpoint and id are left to the environment
 * ($MASTER_ADDR, $MASTER_PORT, $JOB_ID) since they belong to the machine the job lands on.
 */
import { shellQuote, type JobShape } from './job-shape.js';

export function torchrunArgs(shape: JobShape, command: readonly string[], endpoint = '$MASTER_ADDR:$MASTER_PORT', id = '$JOB_ID'): string[] {
  return ['torchrun', '--nnodes', String(shape.nodes), '--nproc-per-node', String(shape.gpusPerNode), '--rdzv-backend', 'c10d', '--rdzv-endpoint', endpoint, '--rdzv-id', id, ...command];
}

/** The line as a shell runs it on every node (the variables expand there). */
export function torchrunLine(shape: JobShape, command: readonly string[]): string {
  return torchrunArgs(shape, command).map((a) => (a.startsWith('$') ? `"${a}"` : shellQuote(a))).join(' ');
}
