/**
 * An sbatch file for a framework command (options: Slurm's sbatch(1) and srun(1) man pages,
 * slurm.schedmd.com/sbatch.html: --job-name, --nodes, --ntasks-per-node, --gpus-per-node,
 * --exclusive; SLURM_JOB_NODELIST, SLURM_JOB_ID). One task a node runs torchrun, which starts a
 * process a GPU; the first node of the allocation hosts the rendezvous.
 */
import { torchrunArgs } from './torchrun.js';
import { shellQuote, type JobShape } from './job-shape.js';

export function sbatchScript(shape: JobShape, command: readonly string[]): string {
  const torchrun = torchrunArgs(shape, command, '$MASTER_ADDR:29500', '$SLURM_JOB_ID')
    .map((a) => (a.startsWith('$') ? `"${a}"` : shellQuote(a)))
    // One option a line: a break before each --name, its value beside it.
    .map((a, i) => (i > 0 && a.startsWith('--') ? ` \\\n  ${a}` : i > 0 ? ` ${a}` : a))
    .join('');
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${shape.name}`,
    `#SBATCH --nodes=${shape.nodes}`,
    '#SBATCH --ntasks-per-node=1',
    `#SBATCH --gpus-per-node=${shape.gpusPerNode}`,
    '#SBATCH --exclusive',
    'set -euo pipefail',
    '# The first node of the allocation hosts the torchrun rendezvous.',
    'MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    'export MASTER_ADDR',
    `srun ${torchrun}`,
    '',
  ].join('\n');
}
