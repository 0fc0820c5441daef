/**
 * Paths through a topology. Inside an NVLink domain a transfer goes GPU ->
 * NVSwitch -> GPU. Between domains it leaves through a NIC of one rail (the
 * destination's, unless a channel names another): a GPU on another rail first
 * hands the data over NVLink to the GPU on that rail (NCCL's PXN). In the fat
 * tree it climbs only as high as it must (up/down routing), choosing among
 * equal uplinks by a hash of the flow (ECMP).
 */
import type { Topology } from './topology.js';

/** A GPU of `node` on `rail` (the first one). */
function gpuOnRail(t: Topology, node: number, rail: number): number {
  const G = t.gpusPerNode;
  return node * G + Math.ceil((rail * G) / t.geometry.rails);
}

/** Deterministic hash for ECMP choices. */
export function ecmpHash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + 0x27d4eb2f, 0x165667b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/** Whether two GPUs share an NVLink domain. */
export function sameDomain(t: Topology, a: number, b: number, domainGpus: number): boolean {
  return Math.floor(a / domainGpus) === Math.floor(b / domainGpus);
}

/**
 * Appends the links from GPU `a` to GPU `b` to `out`. `rail` picks the rail
 * between domains (default: the destination's); `flowId` feeds ECMP.
 */
export function route(t: Topology, a: number, b: number, domainGpus: number, out: number[], rail = -1, flowId = 0): void {
  if (a === b) return;
  if (sameDomain(t, a, b, domainGpus)) {
    out.push(t.gpuUp[a], t.gpuDown[b]);
    return;
  }
  const G = t.gpusPerNode;
  const na = Math.floor(a / G);
  const nb = Math.floor(b / G);
  const rho = rail >= 0 ? rail : t.railOf[b];
  // Sender side: hand over NVLink to the GPU on rail rho when needed.
  let src = a;
  if (t.railOf[a] !== rho) {
    src = gpuOnRail(t, na, rho);
    out.push(t.gpuUp[a], t.gpuDown[src]);
  }
  const rails = t.geometry.rails;
  const nicA = na * rails + rho;
  const nicB = nb * rails + rho;
  out.push(t.pcieUp[src], t.nicUp[nicA]);
  // Adaptive routing uses the tier trunks; destination routing (D-mod-k)
  // spreads destination nodes over the spines, each rail offset so rails do
  // not pile onto one spine; ECMP hashes the flow.
  const la = t.leafOfNic[nicA];
  const lb = t.leafOfNic[nicB];
  if (t.routing === 'adaptive') {
    trunkPath(t, la, lb, out);
  } else if (t.routing === 'destination') {
    const up1 = Math.max(1, t.geometry.leafUp);
    fabricPath(t, la, lb, out, nb + rho * Math.max(1, Math.floor(up1 / rails)), Math.floor(nb / up1));
  } else {
    const h = ecmpHash(na, nb, flowId);
    const up1 = Math.max(1, t.geometry.leafUp);
    fabricPath(t, la, lb, out, h % up1, Math.floor(h / up1));
  }
  // Receiver side: from the rail-rho GPU over NVLink when b is on another rail.
  const dst = t.railOf[b] === rho ? b : gpuOnRail(t, nb, rho);
  out.push(t.nicDown[nicB], t.pcieDown[dst]);
  if (dst !== b) out.push(t.gpuUp[dst], t.gpuDown[b]);
}

/** Adaptive routing: the trunks from leaf `la` up as far as needed and down to leaf `lb`. */
export function trunkPath(t: Topology, la: number, lb: number, out: number[]): void {
  if (la === lb) return;
  const pa = t.podOfLeaf[la];
  const pb = t.podOfLeaf[lb];
  out.push(t.leafTrunkUp[la]);
  if (pa !== pb) out.push(t.podTrunkUp[pa], t.podTrunkDown[pb]);
  out.push(t.leafTrunkDown[lb]);
}

/** Switch-to-switch links from leaf `la` to leaf `lb` through spine `spine` (and core `core` across pods). */
export function fabricPath(t: Topology, la: number, lb: number, out: number[], spine: number, core: number): void {
  if (la === lb) return;
  const up1 = t.geometry.leafUp;
  const j = spine % up1;
  const pa = t.podOfLeaf[la];
  const pb = t.podOfLeaf[lb];
  if (pa === pb) {
    out.push(t.leafUpLinks[la * up1 + j], t.leafDownLinks[lb * up1 + j]);
    return;
  }
  const up2 = t.geometry.spineUp;
  const c = core % up2;
  out.push(
    t.leafUpLinks[la * up1 + j],
    t.spineUpLinks[(pa * up1 + j) * up2 + c],
    t.spineDownLinks[(pb * up1 + j) * up2 + c],
    t.leafDownLinks[lb * up1 + j],
  );
}
