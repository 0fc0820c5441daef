/** How many nodes and GPUs a node a launcher starts for a scenario's job. */
export interface JobShape {
  nodes: number;
  gpusPerNode: number;
  /** A name for the job (Slurm --job-name, the Kubernetes object). */
  name: string;
}

/** Whole nodes of `gpusPerNode`, or one node partly used (resolveExecution allows no other shape). */
export function jobShape(gpus: number, gpusPerNode: number, name = 'clustertwin-train'): JobShape {
  return gpus <= gpusPerNode ? { nodes: 1, gpusPerNode: gpus, name } : { nodes: gpus / gpusPerNode, gpusPerNode, name };
}

/** One argument quoted for a POSIX shell where it needs it. */
export const shellQuote = (arg: string): string => (/^[A-Za-z0-9_./=:,+@%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
