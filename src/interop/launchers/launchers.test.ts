/** The launch files: the job's shape in each launcher's own fields. */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { jobShape, shellQuote } from './job-shape.js';
import { launchFile } from './index.js';
import { torchrunArgs } from './torchrun.js';

const CMD = ['pretrain_gpt.py', '--tensor-model-parallel-size', '8', '--data-path', "it's here"];

describe('launchers', () => {
  it('takes whole nodes, or one node partly used', () => {
    expect(jobShape(64, 8)).toMatchObject({ nodes: 8, gpusPerNode: 8 });
    expect(jobShape(4, 8)).toMatchObject({ nodes: 1, gpusPerNode: 4 });
    expect(jobShape(72, 72)).toMatchObject({ nodes: 1, gpusPerNode: 72 });
  });

  it('torchrun: --nnodes, --nproc-per-node and a c10d rendezvous before the command', () => {
    const a = torchrunArgs(jobShape(32, 8), CMD);
    expect(a.slice(0, 5)).toEqual(['torchrun', '--nnodes', '4', '--nproc-per-node', '8']);
    expect(a).toContain('c10d');
    expect(a.slice(-CMD.length)).toEqual(CMD);
  });

  it('slurm: the #SBATCH lines give nodes, one task a node and the GPUs a node; srun runs torchrun', () => {
    const t = launchFile('slurm', CMD, 32, 8).text;
    expect(t).toMatch(/^#!\/bin\/bash\n/);
    expect(t).toContain('#SBATCH --nodes=4\n');
    expect(t).toContain('#SBATCH --ntasks-per-node=1\n');
    expect(t).toContain('#SBATCH --gpus-per-node=8\n');
    expect(t).toMatch(/srun torchrun \\\n {2}--nnodes 4 \\\n {2}--nproc-per-node 8/);
    expect(t).toContain(shellQuote("it's here"));
  });

  it('k8s: an Indexed Job of one pod a node with its GPUs, and the headless Service it rendezvous through', () => {
    const docs = parseAllDocuments(launchFile('k8s', CMD, 32, 8).text).map((d) => d.toJS());
    const [svc, job] = docs;
    expect(svc).toMatchObject({ kind: 'Service', spec: { clusterIP: 'None' } });
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', completions: 4, parallelism: 4 } });
    const c = job.spec.template.spec.containers[0];
    expect(c.resources.limits['nvidia.com/gpu']).toBe(8);
    expect(c.command.slice(-CMD.length)).toEqual(CMD);
    expect(c.command).toContain(`${svc.metadata.name}-0.${svc.metadata.name}:29500`);
    expect(job.spec.template.spec.subdomain).toBe(svc.metadata.name);
  });
});
