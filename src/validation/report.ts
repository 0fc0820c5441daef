/**
 * The validation report: cases in groups, each row a published measurement
 * beside the twin's prediction, with per-group error statistics.
 */
import type { KernelStyle } from '../config/execution-schema.js';
import { errorStats, type ErrorStats } from './stats.js';

export interface ValidationRow {
  id: string;
  /** The configuration, in a few words. */
  config: string;
  metric: string;
  unit: string;
  measured: number;
  predicted: number;
  /** predicted / measured - 1. */
  error: number;
  /** Whether the group's bound applies to this row (else it is reported only). */
  bounded: boolean;
  source: string;
  /** GPU preset and GEMM precision of a training case (what its accuracy speaks for). */
  gpu?: string;
  precision?: string;
  /** Fused or eager elementwise kernels (the stack's style, which its accuracy also speaks for). */
  kernels?: KernelStyle;
  /** Whether the model is a mixture of experts (dense runs do not speak for it). */
  moe?: boolean;
  /** Whether the weights are sharded and gathered every layer (ZeRO-3, FSDP full shard): such runs err apart. */
  shardedWeights?: boolean;
  /** GPUs of a training case (the scale class its interval is drawn from). */
  gpus?: number;
  /** The year of the software that produced a training case's measurement. */
  softwareYear?: number;
  /** The serving framework of a serving case (vllm, sglang, trtllm). */
  framework?: string;
}

export interface ValidationGroup {
  name: string;
  description: string;
  rows: ValidationRow[];
  /** Statistics over the bounded rows. */
  stats: ErrorStats;
  /** Statistics over every row, bounded or not. */
  allStats: ErrorStats;
}

export interface ValidationReport {
  groups: ValidationGroup[];
  /** Statistics over every bounded time or throughput row of every group (memory rows apart). */
  overall: ErrorStats;
  /** Statistics over every bounded per-GPU memory row. */
  memory: ErrorStats;
  /**
   * The bounded time and throughput rows of training runs by GPU and the year of their software
   * (by GPU, then oldest first): where the twin's error follows the software rather than the hardware.
   */
  byGpuAndYear: GpuYearStats[];
}

export interface GpuYearStats {
  gpu: string;
  softwareYear: number;
  stats: ErrorStats;
  /** Mean signed error as speed (speedError): above zero, the twin runs faster than these runs did. */
  meanError: number;
}

/** Memory rows are judged on their own bound, apart from the time and throughput rows. */
export const isMemoryRow = (r: ValidationRow): boolean => r.metric === 'allocatedMemoryGiB';

/**
 * A row's error as speed: predicted speed over measured, less 1, so that above zero always means the
 * twin runs faster than the measurement (a step-time row's error has the opposite sign).
 */
export const speedError = (r: ValidationRow): number => (r.metric === 'stepTimeSeconds' ? 1 / (1 + r.error) - 1 : r.error);

/** Mean of the rows' errors as speed (above zero: the twin runs fast on average). */
export const meanSpeedError = (rows: readonly ValidationRow[]): number => rows.reduce((s, r) => s + speedError(r), 0) / rows.length;

export function group(name: string, description: string, rows: ValidationRow[]): ValidationGroup {
  return {
    name,
    description,
    rows,
    stats: errorStats(rows.filter((r) => r.bounded).map((r) => r.error)),
    allStats: errorStats(rows.map((r) => r.error)),
  };
}

export function report(groups: ValidationGroup[]): ValidationReport {
  const bounded = groups.flatMap((g) => g.rows.filter((r) => r.bounded));
  const timeRows = bounded.filter((r) => !isMemoryRow(r));
  return {
    groups,
    overall: errorStats(timeRows.map((r) => r.error)),
    memory: errorStats(bounded.filter(isMemoryRow).map((r) => r.error)),
    byGpuAndYear: byGpuAndYear(timeRows),
  };
}

function byGpuAndYear(rows: readonly ValidationRow[]): GpuYearStats[] {
  const cells = new Map<string, { gpu: string; softwareYear: number; rows: ValidationRow[] }>();
  for (const r of rows) {
    if (r.gpu === undefined || r.softwareYear === undefined) continue;
    const key = `${r.gpu}@${r.softwareYear}`;
    const cell = cells.get(key) ?? { gpu: r.gpu, softwareYear: r.softwareYear, rows: [] };
    cell.rows.push(r);
    cells.set(key, cell);
  }
  return [...cells.values()]
    .sort((a, b) => a.gpu.localeCompare(b.gpu) || a.softwareYear - b.softwareYear)
    .map((c) => ({
      gpu: c.gpu,
      softwareYear: c.softwareYear,
      stats: errorStats(c.rows.map((r) => r.error)),
      meanError: meanSpeedError(c.rows),
    }));
}
