/** A framework command wrapped in one of the launchers (LAUNCHERS): the file it writes. */
import type { ExportedFile, Launcher } from '../framework-target.js';
import { jobShape } from './job-shape.js';
import { sbatchScript } from './slurm.js';
import { torchrunLine } from './torchrun.js';
import { k8sManifest } from './k8s.js';

export function launchFile(launcher: Launcher, command: readonly string[], gpus: number, gpusPerNode: number): ExportedFile {
  const shape = jobShape(gpus, gpusPerNode);
  switch (launcher) {
    case 'slurm':
      return { path: 'train.sbatch', text: sbatchScript(shape, command) };
    case 'torchrun':
      return { path: 'train.sh', text: `#!/bin/bash\n# Run on each of the ${shape.nodes} node(s) with MASTER_ADDR, MASTER_PORT and JOB_ID set.\n${torchrunLine(shape, command)}\n` };
    case 'k8s':
      return { path: 'train-job.yaml', text: k8sManifest(shape, command) };
  }
}
