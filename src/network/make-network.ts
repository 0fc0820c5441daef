/**
 * Picks a network model by name, for the CLI and the step simulation.
 */
import type { SystemSpec } from '../config/system-schema.js';
import { analyticalNetwork } from './analytical.js';
import { flowNetwork } from './flow/flow-network.js';
import type { JobPlacement } from './job-placement.js';
import type { NetworkModel } from './network-model.js';

export const NETWORK_KINDS = ['analytical', 'flow'] as const;
export type NetworkKind = (typeof NETWORK_KINDS)[number];

/** The network model of a kind for a system and a job of `gpus` GPUs (placed as `placement` when given; absent: the placement-free answer). */
export function makeNetwork(kind: NetworkKind, system: SystemSpec, gpus: number, placement?: JobPlacement): NetworkModel {
  return kind === 'flow' ? flowNetwork(system, gpus, placement) : analyticalNetwork(system, placement);
}
