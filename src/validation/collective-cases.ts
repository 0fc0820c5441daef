/**
 * Validation of the collective models against published nccl-tests runs:
 * each case is a system, a GPU count, an operation and the measured bus
 * bandwidth at several sizes (validation/collectives.yaml).
 */
import { z } from 'zod';
import type { PresetCatalog } from '../config/catalog.js';
import { resolveSystem } from '../config/catalog.js';
import { zodIssueToError } from '../config/scenario-input.js';
import { parseBytes } from '../units.js';
import { COLLECTIVE_ALGORITHMS, COLLECTIVE_OPS, busBandwidthFactor, packedGroup } from '../network/network-model.js';
import { makeNetwork, type NetworkKind } from '../network/make-network.js';
import { relativeError } from './stats.js';

export const CollectiveCaseSchema = z.object({
  id: z.string(),
  description: z.string(),
  source: z.string(),
  system: z.string(),
  gpus: z.number().int().positive(),
  op: z.enum(COLLECTIVE_OPS),
  algo: z.enum(COLLECTIVE_ALGORITHMS).default('auto'),
  /** Size from which the prediction must be within `bound`. */
  boundedFrom: z.union([z.string(), z.number()]),
  bound: z.number().positive(),
  /**
   * false: the case is reported, never held to its bound, because the model lacks a mechanism the
   * measurement shows; `notBoundedBecause` must then name it.
   */
  bounded: z.boolean().default(true),
  notBoundedBecause: z.string().optional(),
  /** Measured bus bandwidth by message size (nccl-tests size notation). */
  busbwGBps: z.record(z.string(), z.number().positive()),
});

export type CollectiveCase = z.infer<typeof CollectiveCaseSchema>;

const CollectiveCasesSchema = z.array(
  CollectiveCaseSchema.refine((c) => c.bounded || (c.notBoundedBecause ?? '').trim().length > 0, {
    message: 'a case with bounded: false must name the missing mechanism in notBoundedBecause',
    path: ['notBoundedBecause'],
  }),
);

export function parseCollectiveCases(data: unknown): CollectiveCase[] {
  const r = CollectiveCasesSchema.safeParse(data);
  if (!r.success) throw zodIssueToError(r.error, 'validation/collectives.yaml');
  return r.data;
}

export interface CollectiveRow {
  caseId: string;
  description: string;
  source: string;
  bytes: number;
  measuredBusbwGBps: number;
  predictedBusbwGBps: number;
  error: number;
  /** Whether this size is held to the case's bound. */
  bounded: boolean;
  bound: number;
  algorithm: string;
}

export function runCollectiveCase(c: CollectiveCase, catalog: PresetCatalog, network: NetworkKind): CollectiveRow[] {
  const system = resolveSystem(catalog, c.system);
  const net = makeNetwork(network, system, c.gpus);
  const group = packedGroup(c.gpus, system.node.gpusPerNode, system.node.nvlinkDomainGpus);
  const boundedFrom = parseBytes(c.boundedFrom);
  return Object.entries(c.busbwGBps).map(([size, measured]) => {
    const bytes = parseBytes(size);
    const r = net.collective({ op: c.op, bytes, group, algorithm: c.algo });
    const predicted = ((bytes / r.seconds) * busBandwidthFactor(c.op, c.gpus)) / 1e9;
    return {
      caseId: c.id,
      description: c.description,
      source: c.source,
      bytes,
      measuredBusbwGBps: measured,
      predictedBusbwGBps: predicted,
      error: relativeError(predicted, measured),
      bounded: c.bounded && bytes >= boundedFrom,
      bound: c.bound,
      algorithm: `${r.algorithm}/${r.protocol}`,
    };
  });
}
