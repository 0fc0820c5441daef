/**
 * Switches and cables of the fat tree a cluster of N GPUs needs: the fewest tiers (up to the
 * system's) that hold its nodes, as NVIDIA's SuperPOD builds two tiers up to 2,048 GPUs and three
 * beyond. Counts come from the same geometry the network models read (topology/fat-tree-geometry.ts).
 */
import type { SystemSpec } from '../config/system-schema.js';
import { fatTreeGeometry, type FatTreeGeometry } from '../topology/fat-tree-geometry.js';
import { SWITCH } from './parts.js';

export interface FabricCounts {
  tiers: 1 | 2 | 3;
  nodes: number;
  switches: { leaf: number; spine: number; core: number; total: number };
  cables: { nodeLeaf: number; leafSpine: number; spineCore: number; total: number };
  /** Optical transceivers: one per link end on a node, one per twin-port cage on a switch. */
  transceivers: number;
}

/**
 * The smallest tree of the system's switches (at most its tiers) that holds `nodes`. A multi-tier
 * fabric keeps at least its leaf-spine pair even for one scalable unit, as the SuperPOD RAs cable
 * one SU (8 leaves and 4 spines: DGX B300 RA table, 1 SU row) so that it grows without recabling.
 */
export function fabricFor(system: Pick<SystemSpec, 'fabric' | 'node'>, nodes: number): FatTreeGeometry {
  let geo = fatTreeGeometry(system.fabric, system.node);
  for (let t = Math.min(2, system.fabric.tiers); t <= system.fabric.tiers; t++) {
    geo = fatTreeGeometry({ ...system.fabric, tiers: t }, system.node);
    if (nodes <= geo.maxNodes) return geo;
  }
  return geo;
}

export function fabricCounts(system: Pick<SystemSpec, 'fabric' | 'node'>, gpus: number): FabricCounts {
  const nodes = Math.ceil(gpus / system.node.gpusPerNode);
  const geo = fabricFor(system, nodes);
  const endpoints = nodes * geo.rails;
  // Rail-optimized: each group of nodesPerLeaf nodes has one leaf per rail.
  const leaf = geo.railOptimized ? Math.ceil(nodes / geo.nodesPerLeaf) * geo.rails : Math.ceil(endpoints / geo.leafDown);
  const leafSpine = geo.tiers >= 2 ? leaf * geo.leafUp : 0;
  const spine = geo.tiers >= 2 ? Math.ceil(leafSpine / geo.spineDown) : 0;
  const spineCore = geo.tiers === 3 ? spine * geo.spineUp : 0;
  const core = geo.tiers === 3 ? Math.ceil(spineCore / geo.radix) : 0;
  const cables = { nodeLeaf: endpoints, leafSpine, spineCore, total: endpoints + leafSpine + spineCore };
  // Node ends take one optic each; switch ends share twin-port cages.
  const switchEnds = endpoints + 2 * leafSpine + 2 * spineCore;
  const transceivers = endpoints + Math.ceil(switchEnds / SWITCH.portsPerTransceiver);
  return { tiers: geo.tiers, nodes, switches: { leaf, spine, core, total: leaf + spine + core }, cables, transceivers };
}
