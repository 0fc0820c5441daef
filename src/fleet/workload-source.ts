/**
 * Where `clustertwin fleet` gets its jobs: a trace file or a seeded generator, both from the
 * workload module (src/fleet/workload/, issue #17). The command takes this interface so the
 * simulation and its command do not depend on how the workload module is built.
 */
import type { FleetJob } from './job.js';

export const GENERATORS = ['acme-seren', 'acme-kalos', 'philly', 'helios'] as const;
export type GeneratorKind = (typeof GENERATORS)[number];

export interface WorkloadSource {
  /** Reads a trace (format from the extension or header); throws ClusterTwinError naming the line and field. */
  loadTrace(path: string, text: string): FleetJob[];
  /** A seeded job stream matched to a published cluster summary. */
  generateWorkload(kind: GeneratorKind, opts: { gpus: number; days: number; seed: number; maxJobGpus?: number }): FleetJob[];
}
