/**
 * The flow-level network model: a collective becomes the flows of its
 * algorithm's schedule, for every communicator of its kind in the job at
 * once, routed over the topology's actual links (ECMP among equal uplinks);
 * links are shared max-min fairly, so oversubscription, rail crossings and
 * concurrent collectives slow each other as on a real fabric. The algorithm
 * and protocol are chosen as NCCL would (its cost model, the analytical one);
 * latency and pipeline fill are the analytical model's; the transfer time is
 * the flows'.
 */
import type { SystemSpec } from '../../config/system-schema.js';
import { ClusterTwinError } from '../../errors.js';
import { bestCandidate, placementCrossings } from '../analytical.js';
import { placedNodes, type JobPlacement } from '../job-placement.js';
import { fabricView, type FabricView } from '../fabric-view.js';
import { PROTOCOL_BANDWIDTH_FACTOR } from '../nccl-protocols.js';
import type { CollectiveEstimate, CollectiveRequest, NetworkModel } from '../network-model.js';
import { buildTopology, type LinkKind, type Topology } from '../../topology/topology.js';
import { collectivePhases, type ScheduleContext } from './schedules.js';
import { fluidCompletion } from './max-min.js';
import { FlowSet } from './flow-set.js';

/** Load on one link during the last collective the model timed. */
export interface LinkLoad {
  linkId: number;
  from: string;
  to: string;
  kind: LinkKind;
  capacityBytesPerSecond: number;
  /** Bytes the collective moved over the link. */
  bytes: number;
  /** Busy fraction over the collective's transfer time. */
  utilisation: number;
}

export interface FlowNetworkModel extends NetworkModel {
  readonly topology: Topology;
  /**
   * Collectives that run at the same time (say TP traffic while the DP
   * gradients reduce): their flows share the links, each finishing when its
   * slowest flow does. Single-phase algorithms only; others are timed alone.
   */
  concurrent(requests: readonly CollectiveRequest[]): CollectiveEstimate[];
  /** Per-link load of the last collective timed (links that carried nothing are left out). */
  lastLinkLoads(): LinkLoad[];
}

interface Solved {
  secondsPerByte: number;
  phases: FlowSet[];
}

/** The flow model of a job of `jobGpus` GPUs on the first nodes of the fabric, or where `placement` puts them. */
export function flowNetwork(system: SystemSpec, jobGpus: number, placement?: JobPlacement): FlowNetworkModel {
  const view: FabricView = fabricView(system);
  const fabricNodes = placement
    ? placedNodes({ gpusPerNode: view.gpusPerNode, nvlinkDomainGpus: view.nvlinkDomainGpus, nodesPerLeaf: view.nodesPerLeaf, nodesPerPod: view.nodesPerPod }, Math.ceil(jobGpus / view.gpusPerNode), placement)
    : undefined;
  const topo = buildTopology(system, jobGpus, fabricNodes);
  // NCCL's choice of algorithm and the latency terms follow the placement too (the analytical model's).
  const crossingOf = placementCrossings(view, placement);
  const ctx: ScheduleContext = {
    topo,
    domainGpus: Math.max(system.node.nvlinkDomainGpus ?? system.node.gpusPerNode, system.node.gpusPerNode),
  };
  const capacity = Float64Array.from(topo.links, (l) => l.capacityBytesPerSecond);
  const solved = new Map<string, Solved | null>();
  let last: { solved: Solved; bytes: number; seconds: number } | undefined;

  return {
    name: 'flow',
    topology: topo,
    collective(req: CollectiveRequest): CollectiveEstimate {
      const g = req.group;
      if (g.ranks <= 1 || req.bytes <= 0) return { seconds: 0, algorithm: 'ring', protocol: 'Simple' };
      const job = g.jobGpus ?? g.ranks * (g.stride ?? 1);
      if (job > topo.gpus) {
        throw new ClusterTwinError('invalid_value', 'gpus', `the flow model was built for ${topo.gpus} GPUs; this collective spans ${job}`);
      }
      const choice = bestCandidate(view, req, crossingOf?.(g));
      const key = `${req.op}|${choice.algorithm}|${g.ranks}|${g.stride ?? 1}|${job}`;
      let s = solved.get(key);
      if (s === undefined) {
        const phases = collectivePhases(ctx, req.op, choice.algorithm, g, job);
        s = phases ? { phases, secondsPerByte: phases.reduce((t, p) => t + fluidCompletion(p, capacity).secondsPerByte, 0) } : null;
        solved.set(key, s);
      }
      // Too many flows to build: the analytical answer stands.
      if (s === null) return { seconds: choice.seconds, algorithm: choice.algorithm, protocol: choice.protocol };
      const transfer = (req.bytes * s.secondsPerByte) / PROTOCOL_BANDWIDTH_FACTOR[choice.protocol];
      const seconds = choice.latencySeconds + choice.fillSeconds + transfer;
      last = { solved: s, bytes: req.bytes, seconds: transfer };
      return { seconds, algorithm: choice.algorithm, protocol: choice.protocol };
    },
    concurrent(requests: readonly CollectiveRequest[]): CollectiveEstimate[] {
      // One flow set holding every request's flows, weighted by its bytes (and protocol efficiency).
      const union = new FlowSet();
      const owner: number[] = [];
      const choices = requests.map((req) => bestCandidate(view, req, crossingOf?.(req.group)));
      requests.forEach((req, i) => {
        const g = req.group;
        if (g.ranks <= 1 || req.bytes <= 0) return;
        const phases = collectivePhases(ctx, req.op, choices[i].algorithm, g, g.jobGpus ?? g.ranks * (g.stride ?? 1));
        if (!phases || phases.length !== 1) return;
        const p = phases[0];
        const scale = req.bytes / PROTOCOL_BANDWIDTH_FACTOR[choices[i].protocol];
        for (let f = 0; f < p.size; f++) {
          for (let j = p.offsets[f]; j < p.offsets[f + 1]; j++) union.links.push(p.links[j]);
          union.close(p.weights[f] * scale);
          owner.push(i);
        }
      });
      const done = fluidCompletion(union, capacity).finishSeconds;
      const transfer = new Float64Array(requests.length).fill(-1);
      owner.forEach((i, f) => (transfer[i] = Math.max(transfer[i], done[f])));
      return requests.map((req, i) => {
        if (transfer[i] < 0) return this.collective(req);
        const c = choices[i];
        return { seconds: c.latencySeconds + c.fillSeconds + transfer[i], algorithm: c.algorithm, protocol: c.protocol };
      });
    },
    lastLinkLoads(): LinkLoad[] {
      if (!last) return [];
      const bytes = new Float64Array(capacity.length);
      for (const p of last.solved.phases) {
        for (let f = 0; f < p.size; f++) {
          const w = p.weights[f] * last.bytes;
          for (let i = p.offsets[f]; i < p.offsets[f + 1]; i++) bytes[p.links[i]] += w;
        }
      }
      const out: LinkLoad[] = [];
      for (let l = 0; l < bytes.length; l++) {
        if (bytes[l] <= 0) continue;
        const link = topo.links[l];
        out.push({
          linkId: l,
          from: topo.devices[link.from].name,
          to: topo.devices[link.to].name,
          kind: link.kind,
          capacityBytesPerSecond: link.capacityBytesPerSecond,
          bytes: bytes[l],
          utilisation: last.seconds > 0 ? Math.min(1, bytes[l] / link.capacityBytesPerSecond / last.seconds) : 0,
        });
      }
      return out;
    },
  };
}
