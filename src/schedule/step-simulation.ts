/**
 * One training step as a discrete-event simulation over the pipeline stages
 * of one pipeline. All DP replicas, TP ranks and CP ranks behave alike, so one
 * pipeline stands for the whole job: a step on 100,000 GPUs costs what a step
 * on `pp` GPUs does.
 *
 * Each stage has a compute stream (kernels and the communication that blocks
 * them), a pipeline stream (sends to the next or previous stage) and a DP
 * stream (gradient reduction). Ops run in the schedule's order; an op starts
 * when its stage is free and its input has arrived.
 */
import type { Execution } from '../config/execution-schema.js';
import { stageOrder, type PipelineOp } from './pipeline-schedule.js';
import { COMM_KINDS, NCCL_MAX_CHANNELS, exposedParamGatherSeconds, stageRankWaitSeconds, type CommKind, type StepCosts } from './step-costs.js';

export const STREAMS = ['compute', 'pp', 'dp'] as const;
export type Stream = (typeof STREAMS)[number];

export type EventKind =
  | 'forward'
  | 'backward'
  | 'recompute'
  | 'optimizer'
  | 'tp-comm'
  | 'cp-comm'
  | 'ep-comm'
  | 'pp-comm'
  | 'dp-comm'
  | 'rank-wait'
  | 'param-gather';

/** One interval on one stream of one stage. */
export interface TimelineEvent {
  stage: number;
  stream: Stream;
  kind: EventKind;
  startSeconds: number;
  endSeconds: number;
  /** Micro-batch and model chunk, for pass events. */
  mb?: number;
  chunk?: number;
}

/** Where the step time of the critical stage goes; the fields sum to the step time. */
export interface StepBreakdown {
  computeSeconds: number;
  recomputeSeconds: number;
  optimizerSeconds: number;
  tpCommSeconds: number;
  cpCommSeconds: number;
  epCommSeconds: number;
  ppCommSeconds: number;
  dpCommSeconds: number;
  /** Waiting at the barrier for the slowest rank of the job (rank-variation.ts). */
  rankWaitSeconds: number;
  bubbleSeconds: number;
}

export interface StepSimulation {
  stepTimeSeconds: number;
  /** The stage that finishes last; the breakdown is of its time. */
  criticalStage: number;
  breakdown: StepBreakdown;
  /** End time of each stage. */
  stageEndSeconds: number[];
  /** Every event (empty when the timeline was not asked for). */
  timeline: TimelineEvent[];
}

const COMM_EVENT: Record<CommKind, EventKind> = {
  tp: 'tp-comm',
  cp: 'cp-comm',
  ep: 'ep-comm',
  pp: 'pp-comm',
  dp: 'dp-comm',
};

/** Megatron-LM DDP bucket size in parameters: max(40M, 1M x DP). */
const bucketParams = (dp: number): number => Math.max(40e6, 1e6 * dp);

export interface SimulateStepOptions {
  keepTimeline?: boolean;
}

export function simulateStep(e: Execution, costs: StepCosts, opts: SimulateStepOptions = {}): StepSimulation {
  const pp = e.pp;
  const vp = e.vp;
  const m = e.microbatches;
  const keep = opts.keepTimeline ?? true;
  const timeline: TimelineEvent[] = [];
  const slot = (c: number, mb: number): number => c * m + mb;
  const n = vp * m;
  // Arrival time of each op's input at each stage (NaN: not yet produced).
  const arrivalF = Array.from({ length: pp }, () => new Float64Array(n).fill(Number.NaN));
  const arrivalB = Array.from({ length: pp }, () => new Float64Array(n).fill(Number.NaN));
  // When the producer finished computing it (to split a wait into bubble and transfer).
  const producedF = Array.from({ length: pp }, () => new Float64Array(n).fill(Number.NaN));
  const producedB = Array.from({ length: pp }, () => new Float64Array(n).fill(Number.NaN));

  const orders: PipelineOp[][] = Array.from({ length: pp }, (_, s) => stageOrder(s, pp, vp, m));
  const ptr = new Int32Array(pp);
  const computeFree = new Float64Array(pp);
  const ppFree = new Float64Array(pp);
  const acc = Array.from({ length: pp }, () => ({ ...emptyBreakdown() }));
  // Last backward of each chunk on each stage, for the DP reduction.
  const lastBStart = Array.from({ length: pp }, () => new Float64Array(vp));
  const lastBEnd = Array.from({ length: pp }, () => new Float64Array(vp));
  const bCount = Array.from({ length: pp }, () => new Int32Array(vp));

  const p2p = costs.p2pSeconds;
  // Compute an asynchronous send slows on its stage (overlap-interference.ts).
  const p2pLost = e.overlap.pp ? (costs.p2pInterferenceSeconds ?? 0) : 0;
  const push = (ev: TimelineEvent): void => {
    if (keep && ev.endSeconds > ev.startSeconds) timeline.push(ev);
  };

  let remaining = orders.reduce((a, o) => a + o.length, 0);
  while (remaining > 0) {
    let progress = false;
    for (let s = 0; s < pp; s++) {
      const order = orders[s];
      while (ptr[s] < order.length) {
        const op = order[ptr[s]];
        const k = slot(op.chunk, op.mb);
        // Inputs: from the previous stage (or, for chunk > 0 on stage 0, the last
        // stage's previous chunk); the loss starts the backward on the last stage.
        const needsInput = op.kind === 'F' ? !(s === 0 && op.chunk === 0) : !(s === pp - 1 && op.chunk === vp - 1);
        const arrival = needsInput ? (op.kind === 'F' ? arrivalF : arrivalB)[s][k] : 0;
        if (Number.isNaN(arrival)) break;
        const produced = needsInput ? (op.kind === 'F' ? producedF : producedB)[s][k] : 0;
        const free = computeFree[s];
        const start = Math.max(free, arrival);
        if (start > free) {
          // The wait is transfer time while the data is in flight, bubble otherwise.
          const transfer = Math.max(0, start - Math.max(free, produced));
          acc[s].ppCommSeconds += transfer;
          acc[s].bubbleSeconds += start - free - transfer;
        }
        const cost = op.kind === 'F' ? costs.stages[s].forward[op.chunk] : costs.stages[s].backward[op.chunk];
        let t = start;
        if (op.kind === 'B' && cost.recomputeSeconds > 0) {
          push({ stage: s, stream: 'compute', kind: 'recompute', startSeconds: t, endSeconds: t + cost.recomputeSeconds, mb: op.mb, chunk: op.chunk });
          t += cost.recomputeSeconds;
          acc[s].recomputeSeconds += cost.recomputeSeconds;
        }
        const work = cost.computeSeconds - cost.recomputeSeconds;
        push({ stage: s, stream: 'compute', kind: op.kind === 'F' ? 'forward' : 'backward', startSeconds: t, endSeconds: t + work, mb: op.mb, chunk: op.chunk });
        t += work;
        acc[s].computeSeconds += work;
        for (const kind of COMM_KINDS) {
          const x = cost.exposedComm[kind];
          if (x <= 0) continue;
          push({ stage: s, stream: 'compute', kind: COMM_EVENT[kind], startSeconds: t, endSeconds: t + x, mb: op.mb, chunk: op.chunk });
          t += x;
          addComm(acc[s], kind, x);
        }
        if (op.kind === 'B') {
          lastBEnd[s][op.chunk] = t;
          if (++bCount[s][op.chunk] === m) lastBStart[s][op.chunk] = start;
        }

        // Send the output on to the op that consumes it.
        const target = consumer(op, s, pp, vp);
        if (target) {
          let sendStart: number;
          if (e.overlap.pp) {
            sendStart = Math.max(t, ppFree[s]);
          } else {
            // A blocking send holds the compute stream until the transfer is done.
            sendStart = t;
            push({ stage: s, stream: 'compute', kind: 'pp-comm', startSeconds: t, endSeconds: t + p2p, mb: op.mb, chunk: op.chunk });
            t += p2p;
            acc[s].ppCommSeconds += p2p;
          }
          const sendEnd = sendStart + p2p;
          ppFree[s] = Math.max(ppFree[s], sendEnd);
          if (e.overlap.pp) push({ stage: s, stream: 'pp', kind: 'pp-comm', startSeconds: sendStart, endSeconds: sendEnd, mb: op.mb, chunk: op.chunk });
          if (p2pLost > 0) {
            push({ stage: s, stream: 'compute', kind: 'pp-comm', startSeconds: t, endSeconds: t + p2pLost, mb: op.mb, chunk: op.chunk });
            t += p2pLost;
            acc[s].ppCommSeconds += p2pLost;
          }
          const tk = slot(target.chunk, op.mb);
          (target.kind === 'F' ? arrivalF : arrivalB)[target.stage][tk] = sendEnd;
          (target.kind === 'F' ? producedF : producedB)[target.stage][tk] = sendStart;
        }
        computeFree[s] = t;
        ptr[s]++;
        remaining--;
        progress = true;
      }
    }
    if (!progress) throw new Error('pipeline schedule deadlocked (an internal error in the schedule)');
  }

  // Gradient reduction, optimizer step and weight all-gather on each stage.
  const stageEnd = new Float64Array(pp);
  for (let s = 0; s < pp; s++) {
    const st = costs.stages[s];
    const computeEnd = computeFree[s];
    let dpFree = e.overlap.dp ? 0 : computeEnd;
    // Compute slowed by the reductions that ran under the last backward passes.
    let contention = 0;
    const chunksByFinish = [...Array(vp).keys()].sort((a, b) => lastBEnd[s][a] - lastBEnd[s][b]);
    for (const c of chunksByFinish) {
      const dur = st.dpReduceSeconds[c];
      if (dur <= 0) continue;
      let start: number;
      let end: number;
      if (e.overlap.dp) {
        // Buckets become ready during the chunk's last backward; the last bucket only at its end.
        const paramsOfChunk = st.paramsPerGpu * (st.layers > 0 ? st.chunkLayers[c] / st.layers : 1 / vp);
        const buckets = Math.max(1, Math.ceil(paramsOfChunk / bucketParams(e.dp)));
        start = Math.max(dpFree, lastBStart[s][c]);
        end = Math.max(start + dur, lastBEnd[s][c] + dur / buckets);
      } else {
        start = dpFree;
        end = start + dur;
      }
      push({ stage: s, stream: 'dp', kind: 'dp-comm', startSeconds: start, endSeconds: end, chunk: c });
      // Bounded by the backward window the reduction can overlap (independent of the network, so more bandwidth never costs more).
      if (e.overlap.dp) {
        const window = Math.max(0, computeEnd - lastBStart[s][c]);
        contention += Math.min(st.dpReduceSmSeconds[c], (NCCL_MAX_CHANNELS * window) / st.smCount);
        // Its HBM traffic, for the part of it that runs under that window, at the pace it has without the
        // compute slowing it (both-ways): one contention, counted once each way, so that slowing the
        // transfer never lowers what it charges the compute.
        const hbm = st.dpReduceHbmSeconds?.[c] ?? 0;
        const paced = dur - (st.dpReduceSlowdownSeconds?.[c] ?? 0);
        if (hbm > 0) contention += hbm * Math.min(1, window / paced);
      }
      dpFree = end;
    }
    let t = computeEnd;
    // While gradients reduce under the last backward, NCCL's blocks take SMs from it.
    if (contention > 0) {
      push({ stage: s, stream: 'compute', kind: 'dp-comm', startSeconds: t, endSeconds: t + contention });
      acc[s].dpCommSeconds += contention;
      t += contention;
    }
    if (dpFree > t) {
      push({ stage: s, stream: 'compute', kind: 'dp-comm', startSeconds: t, endSeconds: dpFree });
      acc[s].dpCommSeconds += dpFree - t;
      t = dpFree;
    }
    // The slowest rank's gradients arrive late: the barrier before the optimizer step waits for it.
    const wait = stageRankWaitSeconds(costs, st, m);
    if (wait > 0) {
      push({ stage: s, stream: 'compute', kind: 'rank-wait', startSeconds: t, endSeconds: t + wait });
      acc[s].rankWaitSeconds += wait;
      t += wait;
    }
    push({ stage: s, stream: 'compute', kind: 'optimizer', startSeconds: t, endSeconds: t + st.optimizerSeconds });
    t += st.optimizerSeconds;
    acc[s].optimizerSeconds += st.optimizerSeconds;
    const gather = exposedParamGatherSeconds(e, st);
    if (gather > 0) {
      push({ stage: s, stream: 'compute', kind: 'param-gather', startSeconds: t, endSeconds: t + gather });
      acc[s].dpCommSeconds += gather;
      t += gather;
    }
    stageEnd[s] = t;
  }

  let critical = 0;
  for (let s = 1; s < pp; s++) if (stageEnd[s] > stageEnd[critical] + 1e-12) critical = s;
  const stepTimeSeconds = stageEnd[critical];
  const breakdown = acc[critical];
  // Anything not yet accounted for is idle waiting at the end of the stage's ops.
  const accounted = sumBreakdown(breakdown);
  breakdown.bubbleSeconds += Math.max(0, stepTimeSeconds - accounted);
  if (keep) timeline.sort((a, b) => a.stage - b.stage || a.startSeconds - b.startSeconds);
  return { stepTimeSeconds, criticalStage: critical, breakdown, stageEndSeconds: Array.from(stageEnd), timeline };
}

/** The op a pass's output feeds, on which stage. */
function consumer(op: PipelineOp, s: number, pp: number, vp: number): { stage: number; kind: 'F' | 'B'; chunk: number } | undefined {
  if (op.kind === 'F') {
    if (s < pp - 1) return { stage: s + 1, kind: 'F', chunk: op.chunk };
    if (op.chunk < vp - 1) return { stage: 0, kind: 'F', chunk: op.chunk + 1 };
    return undefined;
  }
  if (s > 0) return { stage: s - 1, kind: 'B', chunk: op.chunk };
  if (op.chunk > 0) return { stage: pp - 1, kind: 'B', chunk: op.chunk - 1 };
  return undefined;
}

function emptyBreakdown(): StepBreakdown {
  return {
    computeSeconds: 0,
    recomputeSeconds: 0,
    optimizerSeconds: 0,
    tpCommSeconds: 0,
    cpCommSeconds: 0,
    epCommSeconds: 0,
    ppCommSeconds: 0,
    dpCommSeconds: 0,
    rankWaitSeconds: 0,
    bubbleSeconds: 0,
  };
}

function addComm(b: StepBreakdown, kind: CommKind, x: number): void {
  if (kind === 'tp') b.tpCommSeconds += x;
  else if (kind === 'cp') b.cpCommSeconds += x;
  else if (kind === 'ep') b.epCommSeconds += x;
  else if (kind === 'pp') b.ppCommSeconds += x;
  else b.dpCommSeconds += x;
}

export function sumBreakdown(b: StepBreakdown): number {
  return (
    b.computeSeconds +
    b.recomputeSeconds +
    b.optimizerSeconds +
    b.tpCommSeconds +
    b.cpCommSeconds +
    b.epCommSeconds +
    b.ppCommSeconds +
    b.dpCommSeconds +
    b.rankWaitSeconds +
    b.bubbleSeconds
  );
}
