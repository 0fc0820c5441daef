/**
 * The checkpoint of a training job: its size from the model and optimizer
 * state, how it is spread over the GPUs, and what saving and loading cost on
 * the system's shared store. Synchronous: training waits for the write.
 * Asynchronous: training waits only for the copy to host memory; the write
 * runs behind it, so the checkpoint becomes durable later.
 */
import type { Scenario } from '../config/resolve.js';
import { stageParamsPerGpu, stateBytesPerParam } from '../memory/memory-model.js';
import { totalParams } from '../model/transformer.js';
import { gigabytesPerSecondToBytesPerSecond } from '../units.js';

export interface CheckpointCost {
  /** Model and optimizer state, bytes: bf16 weights, fp32 master weights and two Adam moments (gradients are not saved). */
  bytes: number;
  bytesPerParam: number;
  /** The most one GPU saves: a fully parallel save writes each byte once, split over the data-parallel replicas. */
  bytesPerGpu: number;
  /** Writing the whole checkpoint to the shared store, seconds. */
  writeSeconds: number;
  /** Reading it back on restart (a fully parallel load reads each byte once), seconds. */
  readSeconds: number;
  /** Copying one GPU's share to host memory, seconds. */
  snapshotSeconds: number;
  async: boolean;
  /** Training stops this long per checkpoint: the write (synchronous) or the host copy (asynchronous). */
  stallSeconds: number;
  /** After the stall, until the checkpoint is durable: the write when asynchronous, else 0. */
  durableLagSeconds: number;
  /** Shortest training interval between checkpoints: an asynchronous write must finish before the next starts. */
  minIntervalSeconds: number;
}

export interface CheckpointOptions {
  async?: boolean;
  /** Aggregate write and read bandwidth of the store, GB/s (default: the system's storage). */
  writeGBps?: number;
  readGBps?: number;
  /** GPU to host copy, GB/s per GPU (default: the system's pcieGBps, else the failure model's). */
  snapshotGBpsPerGpu?: number;
}

/** Parameters saved once each: the model's, plus the output layer's own copy of a tied embedding on a separate last stage (Megatron-LM). */
export function uniqueParams(s: Scenario): number {
  const m = s.model;
  return totalParams(m) + (m.tiedEmbeddings && s.exec.pp > 1 ? m.vocab * m.hidden : 0);
}

export function checkpointCost(s: Scenario, opts: CheckpointOptions = {}): CheckpointCost {
  const e = s.exec;
  const b = stateBytesPerParam(e);
  const bytesPerParam = b.weights + b.optimizer;
  const bytes = uniqueParams(s) * bytesPerParam;
  const replicas = e.gpus / (e.tp * e.pp);
  const bytesPerGpu = Math.max(...e.layersPerStage.map((layers, stage) => stageParamsPerGpu(s.model, e, stage, layers))) * bytesPerParam / replicas;
  const writeSeconds = bytes / gigabytesPerSecondToBytesPerSecond(opts.writeGBps ?? s.system.storage.writeGBps);
  const readSeconds = bytes / gigabytesPerSecondToBytesPerSecond(opts.readGBps ?? s.system.storage.readGBps);
  const snapshotGBps = opts.snapshotGBpsPerGpu ?? s.system.node.pcieGBps ?? s.system.reliability.recovery.snapshotGBpsPerGpu;
  const snapshotSeconds = bytesPerGpu / gigabytesPerSecondToBytesPerSecond(snapshotGBps);
  const async = opts.async ?? false;
  return {
    bytes,
    bytesPerParam,
    bytesPerGpu,
    writeSeconds,
    readSeconds,
    snapshotSeconds,
    async,
    stallSeconds: async ? snapshotSeconds : Math.max(writeSeconds, snapshotSeconds),
    durableLagSeconds: async ? writeSeconds : 0,
    minIntervalSeconds: async ? Math.max(0, writeSeconds - snapshotSeconds) : 0,
  };
}
