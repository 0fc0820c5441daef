/**
 * The fleet over days, as a discrete-event simulation.
 *
 *   submit --> queue --schedule pass--> place --> run --> finish
 *                ^                                 |
 *                +-- requeue (no node to restart on, or preempted) <-- node failure / preemption
 *
 * Events: a job's submission, its end, the fleet's next node failure (one Poisson stream over
 * every node, each cause at its per-node rate), a node back from repair, and an hourly sample.
 * After each event a scheduling pass starts what the policy allows.
 *
 * Accounting integrates the GPUs in each state between events: allocated to a job, idle,
 * in repair, held as spare. Allocated time splits into busy (work that stands), lost to failure
 * (work since the last checkpoint, plus detection and restart) and lost to preemption; the states
 * sum to GPUs x seconds exactly (up to rounding), which a test holds.
 */
import { ClusterTwinError } from '../errors.js';
import { seededRng } from '../reliability/prng.js';
import { youngIntervalSeconds } from '../reliability/young-daly.js';
import { fleetEnergy } from './energy.js';
import { EventQueue } from './event-queue.js';
import { tenantClass, type FleetModel } from './fleet-model.js';
import type { FleetJob } from './job.js';
import { FreeNodes, place, spanOf, type PlacementPolicy, type Span } from './placement.js';
import { BACKFILL_DEPTH, JobQueue, priorityRank, reservation, type SchedulerPolicy } from './scheduler.js';
import { SIZE_CLASSES, quantileSorted, sizeClassIndex, type SizeClass } from './size-classes.js';

import type { PlacementSlowdown } from './placement-slowdown.js';

export type { PlacementSlowdown } from './placement-slowdown.js';

export interface FleetSimOptions {
  days: number;
  scheduler: SchedulerPolicy;
  placement: PlacementPolicy;
  seed: number;
  /** Most GPUs each tenant may hold at once (absent: no quota). */
  quotasGpus?: Record<string, number>;
  /**
   * Training time between checkpoints, seconds. Default: Young's interval for the job's own
   * failure rate with a `checkpointWriteSeconds` save, capped at 4 h.
   */
  checkpointIntervalSeconds?: number;
  /** Time to write one checkpoint for Young's interval, seconds (default 60; U, docs/fleet.md). */
  checkpointWriteSeconds?: number;
  /**
   * The step model's slowdown for a training job on its placement. Absent, or for a job without
   * `training`, the job's duration is as given wherever it lands.
   */
  slowdown?: PlacementSlowdown;
  /**
   * Rolling planned maintenance: every `everyDays`, the next `share` of the nodes (in node order,
   * wrapping) is drained for `hours`. Its jobs save a checkpoint first (no work lost) and wait in
   * the queue; the nodes count as failed or in repair meanwhile.
   */
  maintenance?: { everyDays: number; hours: number; share: number };
  /** Called now and then with the simulated fraction done. */
  onProgress?: (done: number, total: number) => void;
}

export interface GpuHours {
  busy: number;
  lostToFailure: number;
  lostToPreemption: number;
  idle: number;
  failedOrRepair: number;
  spare: number;
}

export interface FleetReport {
  system: string;
  gpus: number;
  nodes: number;
  hotSpares: number;
  days: number;
  scheduler: SchedulerPolicy;
  placement: PlacementPolicy;
  seed: number;
  /** GPU-hours by state; they sum to `gpus x days x 24`. */
  gpuHours: GpuHours;
  jobs: { submitted: number; finished: number; running: number; queued: number; rejected: number; rejectedBecause: Record<string, number>; preemptions: number; restarts: number };
  maintenance: { windows: number; nodesDrained: number; jobsStopped: number };
  failures: { total: number; interruptedJobs: number; byCause: Record<string, number>; restartedOnSpare: number; restartedOnFree: number; requeued: number };
  /** Allocated: GPUs held by jobs; useful: busy only. Fractions of all GPU-hours. */
  utilization: { allocated: number; useful: number };
  /** Queueing delay (submit to first start) of jobs that started, by size class (GPUs: 8, 9-64, 65-512, 513+). */
  queueingDelaySeconds: Record<SizeClass, { jobs: number; p50: number; p90: number; p99: number }>;
  /** Useful work over the GPU-time held, by size class and overall: failures, preemption and slow placement lower it. */
  goodput: Record<SizeClass | 'all', number>;
  /** Free GPU-hours while the queue's head waited for nodes it could not get. */
  fragmentationGpuHours: number;
  /** Job starts whose nodes spanned more than one leaf group, and more than one pod. */
  spineCrossings: { starts: number; multiLeaf: number; multiPod: number };
  /**
   * What placement cost the training jobs (those given as a model and tokens): each start's step
   * time where it landed over that at its most compact placement (>= 1), from the step model when
   * the run has one. Jobs given only a duration run as long wherever they land: not placement-sensitive.
   */
  placementSlowdown: {
    /** Whether a step model priced the placements (false: every job ran at its given speed). */
    fromStepModel: boolean;
    /** Starts of training jobs (a restart elsewhere after a requeue is a start). */
    trainingStarts: number;
    /** Mean and largest slowdown over those starts (1 when there were none). */
    mean: number;
    max: number;
    bySizeClass: Record<SizeClass, { starts: number; mean: number }>;
    /** GPU-hours the slowdown took: GPU-hours held by training jobs times (1 - their speed against compact). Part of busy and lost-to-failure, not a state of its own. */
    gpuHoursLost: number;
    /** Jobs submitted with a duration and no training job: their speed does not follow their placement. */
    durationOnlyJobs: number;
    trainingJobs: number;
  };
  spares: { used: number; shortfalls: number };
  revenueUsd: number;
  energyMWh: number;
  facilityEnergyMWh: number;
  /** Hourly samples for charts. */
  series: FleetSeries;
}

/**
 * Hourly samples for charts: at the end of each simulated hour `hour[i]`, the allocated share and
 * the queue's length at that instant, and each state's GPU-hours within that hour (`gpuHours`: they
 * sum to the fleet's GPUs for a whole hour). Lost work is charged in the hour it is lost (a
 * failure's work since the last checkpoint), so an hour with a large failure shows less busy.
 */
export interface FleetSeries {
  hour: number[];
  allocatedUtilization: number[];
  queueLength: number[];
  gpuHours: { [K in keyof GpuHours]: number[] };
}

const SUBMIT = 0;
const END = 1;
const FAIL = 2;
const REPAIR = 3;
const SAMPLE = 4;
const MAINTAIN = 5;

const NOT_SUBMITTED = 0;
const QUEUED = 1;
const RUNNING = 2;
const DONE = 3;
const REJECTED = 4;

const MAX_DEFAULT_INTERVAL_SECONDS = 4 * 3600;

export function simulateFleet(fleet: FleetModel, jobsIn: readonly FleetJob[], opts: FleetSimOptions): FleetReport {
  if (!(opts.days > 0)) throw new ClusterTwinError('out_of_range', '--days', `must be above 0; got ${opts.days}`);
  const g = fleet.gpusPerNode;
  const horizon = opts.days * 86_400;
  const rng = seededRng(opts.seed);
  const placeRng = seededRng(opts.seed ^ 0x5bd1e995);
  const jobs = [...jobsIn].sort((a, b) => a.submitSeconds - b.submitSeconds || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const nJobs = jobs.length;
  const status = new Uint8Array(nJobs);
  const needNodes = new Int32Array(nJobs);
  /** GPUs a job holds: whole nodes, or its own GPUs on a node it shares with other small jobs. */
  const heldGpus = new Int32Array(nJobs);
  const work = new Float64Array(nJobs);
  const progress = new Float64Array(nJobs);
  const segStart = new Float64Array(nJobs);
  const runStart = new Float64Array(nJobs);
  const rate = new Float64Array(nJobs).fill(1);
  const epoch = new Int32Array(nJobs);
  const firstStart = new Float64Array(nJobs).fill(-1);
  const heldGpuSeconds = new Float64Array(nJobs);
  const interval = new Float64Array(nJobs);
  const rank = new Int32Array(nJobs);
  const priceUsdPerGpuSecond = new Float64Array(nJobs);
  const jobNodes: (Int32Array | undefined)[] = new Array(nJobs);
  const reserved = new Set<string>();
  const perNodeSecond = fleet.unplannedPerNodeHour / 3600;
  const ckWrite = opts.checkpointWriteSeconds ?? 60;
  for (let j = 0; j < nJobs; j++) {
    const job = jobs[j]!;
    needNodes[j] = Math.max(1, Math.ceil(job.gpus / g));
    heldGpus[j] = job.gpus < g ? Math.max(1, Math.ceil(job.gpus)) : needNodes[j]! * g;
    work[j] = job.durationSeconds;
    rank[j] = opts.scheduler === 'priority' ? priorityRank(job.priority) : 0;
    priceUsdPerGpuSecond[j] = fleet.usdPerGpuHour[tenantClass(job.priority, job.tenant, reserved)] / 3600;
    const mtbf = perNodeSecond > 0 ? 1 / (needNodes[j]! * perNodeSecond) : Infinity;
    interval[j] = opts.checkpointIntervalSeconds ?? Math.min(MAX_DEFAULT_INTERVAL_SECONDS, youngIntervalSeconds(ckWrite, mtbf));
  }

  const free = new FreeNodes(fleet);
  const nodeJob = new Int32Array(fleet.nodes).fill(-1);
  const inRepair = new Uint8Array(fleet.nodes);
  const isSpare = new Uint8Array(fleet.nodes);
  let spareCount = 0;
  let repairCount = 0;
  let allocGpus = 0;
  // The last nodes are the spares: they sit in the last leaves, away from the packed first fit.
  for (let n = 0; n < fleet.nodes; n++) {
    if (n >= fleet.nodes - fleet.hotSpares) {
      isSpare[n] = 1;
      spareCount++;
    } else free.add(n);
  }
  const runNodeCapacity = fleet.nodes - fleet.hotSpares;
  // Nodes shared by jobs smaller than a node: GPUs used on each, the jobs on each, and the
  // nodes by their free GPUs (best fit: the fullest node that still holds the job).
  const SHARED = -2;
  const sharedUsed = new Int32Array(fleet.nodes);
  const sharedJobs = new Map<number, number[]>();
  const byFree: Array<Set<number>> = Array.from({ length: g }, () => new Set<number>());
  let sharedFree = 0;

  const queue = new JobQueue(
    (j) => rank[j]!,
    (j) => jobs[j]!.submitSeconds,
  );
  const running = new Set<number>();
  /** The running jobs of whole nodes: only they free nodes a blocked head can wait for. */
  const runningWhole = new Set<number>();
  /** Bumped whenever a whole-node job starts, stops or moves its expected end: the reservation cache's key. */
  let wholeVersion = 0;
  let cachedReservation = { head: -1, version: -1, free: -1, shadowSeconds: Infinity, extraNodes: 0 };
  const tenantUse = new Map<string, number>();
  const quotas = opts.quotasGpus ?? {};
  const ev = new EventQueue();
  for (let j = 0; j < nJobs; j++) if (jobs[j]!.submitSeconds < horizon) ev.push(Math.max(0, jobs[j]!.submitSeconds), SUBMIT, j);
  const failRate = fleet.nodes * perNodeSecond;
  if (failRate > 0) ev.push(rng.exponential(failRate), FAIL);
  const maint = opts.maintenance;
  if (maint) {
    if (!(maint.everyDays > 0) || !(maint.hours > 0) || !(maint.share > 0 && maint.share <= 1)) {
      throw new ClusterTwinError('out_of_range', '--maintenance', 'needs a period above 0 days, a length above 0 hours and a share of the nodes in (0, 1]');
    }
    for (let t = maint.everyDays * 86_400; t < horizon; t += maint.everyDays * 86_400) ev.push(t, MAINTAIN);
  }
  let maintCursor = 0;
  const maintenance = { windows: 0, nodesDrained: 0, jobsStopped: 0 };
  const hours = Math.ceil(horizon / 3600);
  for (let h = 1; h <= hours; h++) ev.push(Math.min(h * 3600, horizon), SAMPLE, h);

  const causeCum = new Float64Array(fleet.causes.length);
  {
    let c = 0;
    fleet.causes.forEach((cause, i) => {
      c += cause.perNodeHour;
      causeCum[i] = c;
    });
  }

  // Integrals, GPU-seconds.
  let allocatedS = 0;
  let idleS = 0;
  let repairS = 0;
  let spareS = 0;
  let lostFailS = 0;
  let lostPreemptS = 0;
  /** Each job's GPU-seconds lost (failure and preemption), so that revenue bills only the rest. */
  const lostByJob = new Float64Array(nJobs);
  const lose = (j: number, gpuSeconds: number, preempted: boolean): void => {
    if (preempted) lostPreemptS += gpuSeconds;
    else lostFailS += gpuSeconds;
    lostByJob[j] = lostByJob[j]! + gpuSeconds;
  };
  let fragS = 0;
  let headBlocked = false;
  let now = 0;
  const counts = { submitted: 0, rejected: 0, preemptions: 0, restarts: 0 };
  const rejectedBecause: Record<string, number> = {};
  const failures = { total: 0, interruptedJobs: 0, byCause: {} as Record<string, number>, restartedOnSpare: 0, restartedOnFree: 0, requeued: 0 };
  const spares = { used: 0, shortfalls: 0 };
  const crossings = { starts: 0, multiLeaf: 0, multiPod: 0 };
  // Placement's toll: GPUs held by slowed jobs times their lost speed (kept as a running sum so
  // that advancing time costs nothing per job), and the slowdown of each training start.
  let slowGpus = 0;
  let slowS = 0;
  const slowStarts = new Float64Array(4);
  const slowSum = new Float64Array(4);
  let slowMax = 1;
  const seenLeaf = new Int32Array(fleet.leaves);
  const seenPod = new Int32Array(fleet.pods);
  let stamp = 0;
  const outBuf = new Int32Array(fleet.nodes);
  const series: FleetSeries = {
    hour: [],
    allocatedUtilization: [],
    queueLength: [],
    gpuHours: { busy: [], lostToFailure: [], lostToPreemption: [], idle: [], failedOrRepair: [], spare: [] },
  };
  /** The integrals at the last sample, so each sample records its own hour's share. */
  let atSample = { allocated: 0, lostFail: 0, lostPreempt: 0, idle: 0, repair: 0, spare: 0 };
  const classWork = new Float64Array(4);
  const classHeld = new Float64Array(4);
  const delays: number[][] = [[], [], [], []];
  let revenue = 0;

  const advance = (t: number): void => {
    const dt = t - now;
    if (dt > 0) {
      allocatedS += allocGpus * dt;
      idleS += (free.count * g + sharedFree) * dt;
      repairS += repairCount * g * dt;
      spareS += spareCount * g * dt;
      if (headBlocked) fragS += (free.count * g + sharedFree) * dt;
      slowS += slowGpus * dt;
      now = t;
    }
  };

  const progressAt = (j: number, t: number): number => progress[j]! + Math.max(0, t - segStart[j]!) * rate[j]!;
  const expectedEnd = (j: number): number => segStart[j]! + (work[j]! - progress[j]!) / rate[j]!;

  /** Stops the job's segment at `now`: banks its held time and work done. */
  const bankHeld = (j: number): void => {
    const held = (now - runStart[j]!) * heldGpus[j]!;
    heldGpuSeconds[j] = heldGpuSeconds[j]! + held;
  };

  /** Frees a whole-node job's nodes (those still in its list: a failed node is taken out first) and its tenant's quota. */
  const releaseWholeNodes = (j: number): void => {
    const ns = jobNodes[j]!;
    for (let i = 0; i < ns.length; i++) {
      const n = ns[i]!;
      nodeJob[n] = -1;
      if (!inRepair[n]) free.add(n);
    }
    allocGpus -= ns.length * g;
    slowGpus -= heldGpus[j]! * (1 - rate[j]!);
    jobNodes[j] = undefined;
    running.delete(j);
    runningWhole.delete(j);
    wholeVersion++;
    const t = jobs[j]!.tenant;
    tenantUse.set(t, (tenantUse.get(t) ?? 0) - heldGpus[j]!);
  };

  const releaseNodes = (j: number): void => {
    if (isSmall(j)) releaseSmall(j);
    else releaseWholeNodes(j);
  };

  /** The job stops and waits in the queue: its held time banked, its GPUs given back, its pending events void. */
  const requeue = (j: number, release: (j: number) => void = releaseNodes): void => {
    bankHeld(j);
    release(j);
    epoch[j]!++;
    status[j] = QUEUED;
    queue.insert(j);
  };

  const startJob = (j: number, nodes: Int32Array): void => {
    jobNodes[j] = nodes;
    for (let i = 0; i < nodes.length; i++) nodeJob[nodes[i]!] = j;
    allocGpus += heldGpus[j]!;
    running.add(j);
    runningWhole.add(j);
    wholeVersion++;
    status[j] = RUNNING;
    const t = jobs[j]!.tenant;
    tenantUse.set(t, (tenantUse.get(t) ?? 0) + heldGpus[j]!);
    if (firstStart[j]! < 0) {
      firstStart[j] = now;
      delays[sizeClassIndex(jobs[j]!.gpus)]!.push(now - jobs[j]!.submitSeconds);
    }
    const span = spanOf(fleet, nodes, nodes.length, seenLeaf, seenPod, ++stamp);
    crossings.starts++;
    if (span.leaves > 1) crossings.multiLeaf++;
    if (span.pods > 1) crossings.multiPod++;
    const job = jobs[j]!;
    if (job.training && opts.slowdown) {
      const n = nodes.length;
      const compact = { leaves: Math.ceil(n / fleet.nodesPerLeaf), pods: Math.ceil(n / (fleet.nodesPerLeaf * fleet.leavesPerPod)) };
      const x = Math.max(1, opts.slowdown(job, span, compact));
      rate[j] = 1 / x;
      const c = sizeClassIndex(job.gpus);
      slowStarts[c]!++;
      slowSum[c] = slowSum[c]! + x;
      slowMax = Math.max(slowMax, x);
    } else rate[j] = 1;
    // A node swapped in after a failure keeps the job at this speed (the span is priced at the start).
    slowGpus += heldGpus[j]! * (1 - rate[j]!);
    runStart[j] = now;
    segStart[j] = now;
    epoch[j]!++;
    ev.push(expectedEnd(j), END, j, epoch[j]!);
  };

  const placeSmall = (j: number): boolean => {
    const k = heldGpus[j]!;
    let n = -1;
    for (let f = k; f < g && n < 0; f++) {
      for (const m of byFree[f]!) {
        n = m;
        break;
      }
    }
    if (n >= 0) {
      byFree[g - sharedUsed[n]!]!.delete(n);
      sharedFree -= k;
    } else {
      if (free.count === 0) return false;
      place(opts.placement, free, 1, outBuf, placeRng);
      n = outBuf[0]!;
      nodeJob[n] = SHARED;
      sharedJobs.set(n, []);
      sharedFree += g - k;
    }
    sharedUsed[n] = sharedUsed[n]! + k;
    if (sharedUsed[n]! < g) byFree[g - sharedUsed[n]!]!.add(n);
    sharedJobs.get(n)!.push(j);
    startSmall(j, n);
    return true;
  };

  const startSmall = (j: number, n: number): void => {
    const nodes = new Int32Array(1);
    nodes[0] = n;
    jobNodes[j] = nodes;
    allocGpus += heldGpus[j]!;
    running.add(j);
    status[j] = RUNNING;
    const t = jobs[j]!.tenant;
    tenantUse.set(t, (tenantUse.get(t) ?? 0) + heldGpus[j]!);
    if (firstStart[j]! < 0) {
      firstStart[j] = now;
      delays[sizeClassIndex(jobs[j]!.gpus)]!.push(now - jobs[j]!.submitSeconds);
    }
    crossings.starts++;
    rate[j] = 1;
    runStart[j] = now;
    segStart[j] = now;
    epoch[j]!++;
    ev.push(expectedEnd(j), END, j, epoch[j]!);
  };

  /** A small job leaves its shared node (which goes back to the free pool when empty and up). */
  const releaseSmall = (j: number): void => {
    const n = jobNodes[j]![0]!;
    const k = heldGpus[j]!;
    const list = sharedJobs.get(n)!;
    list.splice(list.indexOf(j), 1);
    if (sharedUsed[n]! < g) byFree[g - sharedUsed[n]!]!.delete(n);
    sharedUsed[n] = sharedUsed[n]! - k;
    if (sharedUsed[n] === 0) {
      sharedFree -= g - k;
      sharedJobs.delete(n);
      nodeJob[n] = -1;
      if (!inRepair[n]) free.add(n);
    } else {
      sharedFree += k;
      byFree[g - sharedUsed[n]!]!.add(n);
    }
    allocGpus -= k;
    jobNodes[j] = undefined;
    running.delete(j);
    const t = jobs[j]!.tenant;
    tenantUse.set(t, (tenantUse.get(t) ?? 0) - k);
  };

  const isSmall = (j: number): boolean => heldGpus[j]! < g;

  const tryPlace = (j: number): boolean => {
    if (isSmall(j)) return placeSmall(j);
    const need = needNodes[j]!;
    if (need > free.count) return false;
    place(opts.placement, free, need, outBuf, placeRng);
    startJob(j, outBuf.slice(0, need));
    return true;
  };

  const overQuota = (j: number): boolean => {
    const q = quotas[jobs[j]!.tenant];
    return q !== undefined && (tenantUse.get(jobs[j]!.tenant) ?? 0) + heldGpus[j]! > q;
  };

  /** Rolls the job back to its last checkpoint at `now`; returns the GPU-seconds of work lost. */
  const rollback = (j: number): number => {
    // A restart still under way was counted lost to its end; only the part until now was spent.
    if (segStart[j]! > now) lose(j, -(Math.min(segStart[j]!, horizon) - now) * heldGpus[j]!, false);
    const p = Math.min(work[j]!, progressAt(j, now));
    const ck = Math.floor(p / interval[j]!) * interval[j]!;
    progress[j] = ck;
    // Work is in seconds at the job's rate: wall time lost is (p - ck) / rate.
    return ((p - ck) / rate[j]!) * heldGpus[j]!;
  };

  const preempt = (j: number): void => {
    lose(j, rollback(j), true);
    // A restart's detection time still running counts as lost to failure until `now`.
    requeue(j);
    counts.preemptions++;
  };

  const schedule = (): void => {
    queue.tidy();
    headBlocked = false;
    let i = queue.start;
    while (i < queue.ids.length) {
      const j = queue.ids[i]!;
      if (j < 0 || overQuota(j)) {
        i++;
        continue;
      }
      if (tryPlace(j)) {
        queue.removeAt(i++);
        continue;
      }
      // The first job that does not fit is the head.
      if (opts.scheduler === 'priority' && preemptFor(j) && tryPlace(j)) {
        // Preempted jobs went into the queue behind the head: find the head again.
        queue.removeAt(queue.ids.indexOf(j, queue.start));
        i = queue.start;
        continue;
      }
      headBlocked = true;
      if (opts.scheduler === 'backfill') backfillBehind(j, i);
      return;
    }
  };

  /** A slot on a shared node for a small job (which then takes no whole node). */
  const sharedSlotFits = (j: number): boolean => {
    for (let f = heldGpus[j]!; f < g; f++) if (byFree[f]!.size > 0) return true;
    return false;
  };

  /** EASY backfilling behind the head at queue position `at`. */
  const backfillBehind = (head: number, at: number): void => {
    if (free.count === 0 && sharedFree === 0) return;
    // The head's reservation, computed when a candidate first needs it.
    let r: { shadowSeconds: number; extraNodes: number } | undefined;
    const reserve = (): { shadowSeconds: number; extraNodes: number } => {
      const c = cachedReservation;
      // Small jobs' comings and goings in shared slots leave the reservation as it was.
      if (c.head === head && c.version === wholeVersion && c.free === free.count) return { shadowSeconds: c.shadowSeconds, extraNodes: c.extraNodes };
      // Small jobs free a whole node only when the last leaves it: counted as freeing none.
      const n = runningWhole.size;
      const ends = new Float64Array(n);
      const nodes = new Int32Array(n);
      let k = 0;
      for (const x of runningWhole) {
        ends[k] = expectedEnd(x);
        nodes[k++] = needNodes[x]!;
      }
      const r = reservation(needNodes[head]!, free.count, ends, nodes, n);
      cachedReservation = { head, version: wholeVersion, free: free.count, ...r };
      return { ...r };
    };
    let depth = 0;
    for (let i = at + 1; i < queue.ids.length && depth < BACKFILL_DEPTH && free.count + sharedFree > 0; depth++) {
      const j = queue.ids[i]!;
      if (j < 0) {
        i++;
        depth--;
        continue;
      }
      if (overQuota(j)) {
        i++;
        continue;
      }
      // A small job in a shared node's free GPUs takes nothing the head could use.
      if (isSmall(j) && sharedSlotFits(j)) {
        if (tryPlace(j)) queue.removeAt(i);
        i++;
        continue;
      }
      const need = needNodes[j]!;
      if (need > free.count) {
        i++;
        continue;
      }
      r ??= reserve();
      // Trace runtimes stand in for the users' estimates (exact: a simplification, docs/fleet.md).
      const endsBy = now + (work[j]! - progress[j]!) <= r.shadowSeconds;
      if (endsBy || need <= r.extraNodes) {
        if (tryPlace(j)) {
          if (!endsBy) r.extraNodes -= need;
          queue.removeAt(i);
        }
      }
      i++;
    }
  };

  /** Preempts lower-priority running jobs until the head fits; false when they cannot make room. */
  const preemptFor = (head: number): boolean => {
    const need = needNodes[head]!;
    const victims = [...running].filter((r) => rank[r]! < rank[head]!);
    let room = free.count;
    for (const v of victims) room += needNodes[v]!;
    if (room < need) return false;
    victims.sort((a, b) => rank[a]! - rank[b]! || runStart[b]! - runStart[a]! || b - a);
    for (const v of victims) {
      if (free.count >= need) break;
      preempt(v);
    }
    return free.count >= need;
  };

  const finish = (j: number): void => {
    bankHeld(j);
    releaseNodes(j);
    status[j] = DONE;
    const c = sizeClassIndex(jobs[j]!.gpus);
    classWork[c] = classWork[c]! + work[j]! * heldGpus[j]!;
    classHeld[c] = classHeld[c]! + heldGpuSeconds[j]!;
  };

  /** A node failure; true when the queue changed (a job waits again). */
  const onFailure = (): boolean => {
    ev.push(now + rng.exponential(failRate), FAIL);
    const n = Math.floor(rng.next() * fleet.nodes);
    if (inRepair[n]) return false; // a node already down does not fail again (thinning keeps the per-node rate)
    const u = rng.next() * causeCum[causeCum.length - 1]!;
    let ci = 0;
    while (causeCum[ci]! < u) ci++;
    const cause = fleet.causes[ci]!;
    failures.total++;
    failures.byCause[cause.name] = (failures.byCause[cause.name] ?? 0) + 1;
    const j = nodeJob[n]!;
    if (cause.replacesNode && j !== SHARED) {
      if (isSpare[n]) {
        isSpare[n] = 0;
        spareCount--;
      } else free.remove(n);
      inRepair[n] = 1;
      repairCount++;
      ev.push(now + cause.repairSeconds, REPAIR, n);
    }
    if (j === SHARED) return failShared(n, cause.replacesNode, cause.repairSeconds);
    if (j < 0) return false;
    failures.interruptedJobs++;
    counts.restarts++;
    const lost = rollback(j);
    lose(j, lost, false);
    if (!cause.replacesNode) {
      restartInPlace(j);
      return false;
    }
    // Replace the failed node: a spare first, then a free node; else the job waits in the queue.
    const ns = jobNodes[j]!;
    const slot = ns.indexOf(n);
    nodeJob[n] = -1;
    let repl = -1;
    if (spareCount > 0) {
      for (let s = fleet.nodes - 1; s >= 0; s--) {
        if (isSpare[s]) {
          repl = s;
          break;
        }
      }
      isSpare[repl] = 0;
      spareCount--;
      spares.used++;
      failures.restartedOnSpare++;
    } else if (free.count > 0) {
      if (fleet.hotSpares > 0) spares.shortfalls++;
      place(opts.placement, free, 1, outBuf, placeRng);
      repl = outBuf[0]!;
      failures.restartedOnFree++;
    }
    if (repl >= 0) {
      ns[slot] = repl;
      nodeJob[repl] = j;
      restartInPlace(j);
      return false;
    }
    if (fleet.hotSpares > 0) spares.shortfalls++;
    // No node to restart on: the job gives its nodes back and waits.
    ns[slot] = ns[ns.length - 1]!;
    jobNodes[j] = ns.subarray(0, ns.length - 1);
    allocGpus -= g; // the failed node left the job
    // The failed node's held time until now stays banked below with the rest.
    requeue(j, releaseWholeNodes);
    failures.requeued++;
    return true;
  };

  /**
   * A failure on a node shared by small jobs: each rolls back; on a node that stays they restart
   * in place, on one that goes to repair they wait in the queue for another node.
   */
  const failShared = (n: number, replaces: boolean, repairSeconds: number): boolean => {
    const list = [...sharedJobs.get(n)!];
    for (const j of list) {
      failures.interruptedJobs++;
      counts.restarts++;
      lose(j, rollback(j), false);
      if (!replaces) {
        restartInPlace(j);
        continue;
      }
      requeue(j, releaseSmall);
      failures.requeued++;
    }
    if (replaces) {
      // Every job has left, so the node went back to the free pool: take it out to repair.
      free.remove(n);
      inRepair[n] = 1;
      repairCount++;
      ev.push(now + repairSeconds, REPAIR, n);
    }
    return replaces;
  };


  /** The job restarts on its nodes after detection and restart; that time is lost to failure. */
  const restartInPlace = (j: number): void => {
    wholeVersion++;
    const wait = fleet.restartSeconds;
    lose(j, Math.min(wait, horizon - now) * heldGpus[j]!, false);
    segStart[j] = now + wait;
    epoch[j]!++;
    ev.push(expectedEnd(j), END, j, epoch[j]!);
  };

  /** A planned stop: the job saves first (no work lost), gives its nodes back and waits. */
  const drainJob = (j: number): void => {
    if (segStart[j]! > now) lose(j, -(Math.min(segStart[j]!, horizon) - now) * heldGpus[j]!, false);
    progress[j] = Math.min(work[j]!, progressAt(j, now));
    segStart[j] = now;
    requeue(j);
    maintenance.jobsStopped++;
  };

  const onMaintenance = (): void => {
    maintenance.windows++;
    const count = Math.max(1, Math.round(maint!.share * fleet.nodes));
    for (let k = 0; k < count; k++) {
      const n = (maintCursor + k) % fleet.nodes;
      if (inRepair[n]) continue;
      const j = nodeJob[n]!;
      if (j === SHARED) for (const x of [...sharedJobs.get(n)!]) drainJob(x);
      else if (j >= 0) drainJob(j);
      if (isSpare[n]) {
        isSpare[n] = 0;
        spareCount--;
      } else free.remove(n);
      inRepair[n] = 1;
      repairCount++;
      maintenance.nodesDrained++;
      ev.push(now + maint!.hours * 3600, REPAIR, n);
    }
    maintCursor = (maintCursor + count) % fleet.nodes;
  };

  const onRepair = (n: number): void => {
    inRepair[n] = 0;
    repairCount--;
    if (spareCount < fleet.hotSpares) {
      isSpare[n] = 1;
      spareCount++;
    } else free.add(n);
  };

  let processed = 0;
  while (ev.pop()) {
    const t = ev.time;
    if (t > horizon) break;
    advance(t);
    let changed = true;
    switch (ev.kind) {
      case SUBMIT: {
        const j = ev.a;
        counts.submitted++;
        const q = quotas[jobs[j]!.tenant];
        if (needNodes[j]! > runNodeCapacity) {
          status[j] = REJECTED;
          counts.rejected++;
          rejectedBecause['larger than the fleet'] = (rejectedBecause['larger than the fleet'] ?? 0) + 1;
        } else if (q !== undefined && heldGpus[j]! > q) {
          status[j] = REJECTED;
          counts.rejected++;
          rejectedBecause["larger than its tenant's quota"] = (rejectedBecause["larger than its tenant's quota"] ?? 0) + 1;
        } else {
          status[j] = QUEUED;
          queue.insert(j);
        }
        break;
      }
      case END:
        changed = status[ev.a] === RUNNING && epoch[ev.a] === ev.b;
        if (changed) finish(ev.a);
        break;
      case FAIL:
        changed = onFailure();
        break;
      case REPAIR:
        onRepair(ev.a);
        break;
      case MAINTAIN:
        onMaintenance();
        break;
      case SAMPLE:
        series.hour.push(ev.a);
        series.allocatedUtilization.push(allocGpus / (fleet.nodes * g));
        series.queueLength.push(queue.length);
        {
          const sh = series.gpuHours;
          const lf = lostFailS - atSample.lostFail;
          const lp = lostPreemptS - atSample.lostPreempt;
          sh.busy.push((allocatedS - atSample.allocated - lf - lp) / 3600);
          sh.lostToFailure.push(lf / 3600);
          sh.lostToPreemption.push(lp / 3600);
          sh.idle.push((idleS - atSample.idle) / 3600);
          sh.failedOrRepair.push((repairS - atSample.repair) / 3600);
          sh.spare.push((spareS - atSample.spare) / 3600);
          atSample = { allocated: allocatedS, lostFail: lostFailS, lostPreempt: lostPreemptS, idle: idleS, repair: repairS, spare: spareS };
        }
        if (opts.onProgress) opts.onProgress(ev.a, hours);
        changed = false;
        break;
    }
    if (changed) schedule();
    processed++;
  }
  advance(horizon);
  void processed;

  // Jobs still running: bank their held time; their work since the last checkpoint stands as busy.
  for (const j of running) {
    bankHeld(j);
    const c = sizeClassIndex(jobs[j]!.gpus);
    classWork[c] = classWork[c]! + Math.min(work[j]!, progressAt(j, horizon)) * heldGpus[j]!;
    classHeld[c] = classHeld[c]! + heldGpuSeconds[j]!;
  }
  // Revenue: the GPU-time each job held less what it lost, at its class's list price (a failure's loss is not billed).
  for (let j = 0; j < nJobs; j++) revenue += (heldGpuSeconds[j]! - lostByJob[j]!) * priceUsdPerGpuSecond[j]!;

  let queued = 0;
  let finished = 0;
  for (let j = 0; j < nJobs; j++) {
    if (status[j] === QUEUED) queued++;
    else if (status[j] === DONE) finished++;
  }
  const total = fleet.nodes * g * horizon;
  const busyS = allocatedS - lostFailS - lostPreemptS;
  const h = (s: number): number => s / 3600;
  const qd = {} as FleetReport['queueingDelaySeconds'];
  const goodput = {} as FleetReport['goodput'];
  SIZE_CLASSES.forEach((c, i) => {
    const d = Float64Array.from(delays[i]!).sort();
    qd[c] = { jobs: d.length, p50: quantileSorted(d, 0.5), p90: quantileSorted(d, 0.9), p99: quantileSorted(d, 0.99) };
    goodput[c] = classHeld[i]! > 0 ? classWork[i]! / classHeld[i]! : NaN;
  });
  const starts = slowStarts.reduce((a, b) => a + b, 0);
  const bySizeClass = {} as FleetReport['placementSlowdown']['bySizeClass'];
  SIZE_CLASSES.forEach((c, i) => {
    bySizeClass[c] = { starts: slowStarts[i]!, mean: slowStarts[i]! > 0 ? slowSum[i]! / slowStarts[i]! : 1 };
  });
  const trainingJobs = jobs.filter((x) => x.training && x.submitSeconds < horizon).length;
  const placementSlowdown: FleetReport['placementSlowdown'] = {
    fromStepModel: opts.slowdown !== undefined,
    trainingStarts: starts,
    mean: starts > 0 ? slowSum.reduce((a, b) => a + b, 0) / starts : 1,
    max: slowMax,
    bySizeClass,
    gpuHoursLost: h(slowS),
    durationOnlyJobs: counts.submitted - trainingJobs,
    trainingJobs,
  };
  const sumWork = classWork.reduce((a, b) => a + b, 0);
  const sumHeld = classHeld.reduce((a, b) => a + b, 0);
  goodput.all = sumHeld > 0 ? sumWork / sumHeld : NaN;
  const energy = fleetEnergy(fleet.system, busyS + lostFailS + lostPreemptS, idleS + spareS, (total - repairS) / g);
  return {
    system: fleet.system.name,
    gpus: fleet.nodes * g,
    nodes: fleet.nodes,
    hotSpares: fleet.hotSpares,
    days: opts.days,
    scheduler: opts.scheduler,
    placement: opts.placement,
    seed: opts.seed,
    gpuHours: { busy: h(busyS), lostToFailure: h(lostFailS), lostToPreemption: h(lostPreemptS), idle: h(idleS), failedOrRepair: h(repairS), spare: h(spareS) },
    jobs: { submitted: counts.submitted, finished, running: running.size, queued, rejected: counts.rejected, rejectedBecause, preemptions: counts.preemptions, restarts: counts.restarts },
    failures,
    maintenance,
    utilization: { allocated: allocatedS / total, useful: busyS / total },
    queueingDelaySeconds: qd,
    goodput,
    fragmentationGpuHours: h(fragS),
    spineCrossings: crossings,
    placementSlowdown,
    spares,
    revenueUsd: revenue,
    energyMWh: energy.itMWh,
    facilityEnergyMWh: energy.facilityMWh,
    series,
  };
}
