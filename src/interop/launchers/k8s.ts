/**
 * A Kubernetes Indexed Job for a framework command (batch/v1 Job: completionMode Indexed,
 * completions, parallelism, the JOB_COMPLETION_INDEX variable and the pod hostname
 * <job>-<index> under a headless Service with the Job's subdomain; kubernetes.io/docs/concepts/
 * workloads/controllers/job/#completion-mode). One pod a node runs torchrun; pod 0 hosts the
 * rendezvous. The image is a placeholder the user replaces.
 */
import { stringify } from 'yaml';
import { torchrunArgs } from './torchrun.js';
import type { JobShape } from './job-shape.js';

export function k8sManifest(shape: JobShape, command: readonly string[], image = 'nvcr.io/nvidia/pytorch:REPLACE-ME'): string {
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: shape.name }, spec: { clusterIP: 'None', selector: { 'job-name': shape.name }, ports: [{ name: 'rdzv', port: 29500 }] } };
  const endpoint = `${shape.name}-0.${shape.name}:29500`;
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: shape.name },
    spec: {
      completionMode: 'Indexed',
      completions: shape.nodes,
      parallelism: shape.nodes,
      backoffLimit: 0,
      template: {
        spec: {
          subdomain: shape.name,
          restartPolicy: 'Never',
          containers: [
            {
              name: 'train',
              image,
              command: torchrunArgs(shape, command, endpoint, shape.name),
              ports: [{ containerPort: 29500 }],
              resources: { limits: { 'nvidia.com/gpu': shape.gpusPerNode } },
            },
          ],
        },
      },
    },
  };
  return `${stringify(service)}---\n${stringify(job)}`;
}
