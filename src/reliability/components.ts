/**
 * What a job is made of, counted per kind of component a failure rate is
 * given for: GPUs, nodes, NICs, the fabric links it spans, and the job itself.
 */
import type { SystemSpec } from '../config/system-schema.js';
import type { FailureComponent } from '../config/reliability-schema.js';
import { fatTreeGeometry } from '../topology/fat-tree-geometry.js';

export type ComponentCounts = Record<FailureComponent, number>;

/**
 * Fabric links (cable plus the switch ports at its ends) a job of `nodes`
 * spans: one per NIC to its leaf; above that, the leaf uplinks (down:up per
 * the leaf's oversubscription) once the job outgrows one leaf, and the spine
 * uplinks once it outgrows one pod. A one-node job uses none.
 */
export function fabricLinks(system: SystemSpec, nodes: number): number {
  if (nodes <= 1) return 0;
  const geo = fatTreeGeometry(system.fabric, system.node);
  const endpoints = nodes * system.node.nicsPerNode;
  let links = endpoints;
  if (geo.tiers >= 2 && nodes > geo.nodesPerLeaf) {
    const leafUplinks = (endpoints * geo.leafUp) / geo.leafDown;
    links += leafUplinks;
    if (geo.tiers >= 3 && nodes > geo.nodesPerPod) links += (leafUplinks * geo.spineUp) / geo.spineDown;
  }
  return Math.round(links);
}

export function jobComponents(system: SystemSpec, gpus: number): ComponentCounts {
  const nodes = Math.ceil(gpus / system.node.gpusPerNode);
  return {
    gpu: gpus,
    node: nodes,
    nic: nodes * system.node.nicsPerNode,
    fabricLink: fabricLinks(system, nodes),
    job: 1,
  };
}
