/**
 * The shape of a fat tree (folded Clos) built from switches of one radix:
 * how many ports each tier turns down and up, how many nodes share a leaf
 * switch and a pod, and how many GPUs it can hold. Both network models read
 * their fabric from here, so they agree on where traffic must climb a tier.
 */
import type { FabricSpec, NodeSpec, SystemSpec } from '../config/system-schema.js';
import { ClusterTwinError } from '../errors.js';

export interface FatTreeGeometry {
  tiers: 1 | 2 | 3;
  radix: number;
  /** Oversubscription (down:up) at the leaf and spine tiers. */
  oversubscription: [number, number];
  /** Leaf ports facing NICs, and facing spines. */
  leafDown: number;
  leafUp: number;
  /** Spine ports facing leaves, and facing cores (3 tiers). */
  spineDown: number;
  spineUp: number;
  /** NICs of one node (one per rail when rail-optimized). */
  rails: number;
  railOptimized: boolean;
  /** Nodes whose NICs share one leaf (rail-optimized: one leaf per rail for these nodes). */
  nodesPerLeaf: number;
  /** Leaves in one pod (under one set of spines). */
  leavesPerPod: number;
  /** Nodes in one pod. */
  nodesPerPod: number;
  /** Most nodes the tree holds. */
  maxNodes: number;
}

/** Ports turned down at a tier with a down:up ratio of `o` (the rest go up). */
const downPorts = (radix: number, o: number): number => Math.max(1, Math.round((radix * o) / (1 + o)));

export function fatTreeGeometry(fabric: FabricSpec, node: NodeSpec): FatTreeGeometry {
  const over = Array.isArray(fabric.oversubscription) ? fabric.oversubscription : [fabric.oversubscription];
  const o: [number, number] = [over[0] ?? 1, over[1] ?? 1];
  const k = fabric.switchRadix;
  const tiers = fabric.tiers as 1 | 2 | 3;
  const rails = node.nicsPerNode;
  const railOptimized = fabric.railOptimized && rails > 1;
  // A single-tier fabric is one leaf per rail with every port facing NICs.
  const leafDown = tiers === 1 ? k : downPorts(k, o[0]);
  const leafUp = tiers === 1 ? 0 : k - leafDown;
  // In two tiers the spines turn every port down; in three they split again.
  const spineDown = tiers === 3 ? downPorts(k, o[1]) : k;
  const spineUp = tiers === 3 ? k - spineDown : 0;
  const nodesPerLeaf = railOptimized ? leafDown : Math.max(1, Math.floor(leafDown / rails));
  const leavesPerNodeGroup = railOptimized ? rails : 1;
  const leavesPerPod = tiers === 1 ? leavesPerNodeGroup : Math.max(leavesPerNodeGroup, spineDown - (spineDown % leavesPerNodeGroup));
  const nodesPerPod = tiers === 1 ? nodesPerLeaf : (leavesPerPod / leavesPerNodeGroup) * nodesPerLeaf;
  // A core switch has one port per pod.
  const maxNodes = tiers === 3 ? nodesPerPod * k : nodesPerPod;
  return { tiers, radix: k, oversubscription: o, leafDown, leafUp, spineDown, spineUp, rails, railOptimized, nodesPerLeaf, leavesPerPod, nodesPerPod, maxNodes };
}

/** The most GPUs a system's fabric holds (whole nodes under its fat tree). */
export function fabricCapacityGpus(system: Pick<SystemSpec, 'fabric' | 'node'>): number {
  return fatTreeGeometry(system.fabric, system.node).maxNodes * system.node.gpusPerNode;
}

/**
 * Refuses a job larger than the fabric holds. Both network models ask this, so the analytical
 * one no longer times a collective over GPUs the flow model cannot place.
 */
export function checkFabricHolds(system: Pick<SystemSpec, 'fabric' | 'node' | 'name'>, gpus: number, path = 'gpus'): void {
  const node = system.node;
  const geo = fatTreeGeometry(system.fabric, node);
  const nodes = Math.ceil(gpus / node.gpusPerNode);
  if (nodes <= geo.maxNodes) return;
  throw new ClusterTwinError(
    'out_of_range',
    path,
    `${gpus.toLocaleString('en-US')} GPUs need ${nodes.toLocaleString('en-US')} nodes, but ${system.name}'s ${geo.tiers}-tier fat tree of radix-${geo.radix} switches holds ${geo.maxNodes.toLocaleString('en-US')} (${(geo.maxNodes * node.gpusPerNode).toLocaleString('en-US')} GPUs); add a tier (fabric.tiers) or use larger switches (fabric.switchRadix)`,
  );
}
