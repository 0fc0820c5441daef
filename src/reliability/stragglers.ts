/**
 * Stragglers: a slow GPU or link slows every step of a synchronous job until
 * it is found and drained. They do not stop the job; they stretch the
 * training time by the expected share of slowed time times the slowdown.
 */
import type { StragglerSpec } from '../config/reliability-schema.js';
import { SECONDS_PER_HOUR } from '../units.js';

/** Straggler events per second of training for a job of `nodes`. */
export const stragglerRatePerSecond = (s: StragglerSpec, nodes: number): number => (s.perNodeHour * nodes) / SECONDS_PER_HOUR;

/** Training seconds one straggler costs: slowdown times how long it stays. */
export const stragglerCostSeconds = (s: StragglerSpec): number => s.slowdown * s.durationHours * SECONDS_PER_HOUR;

/** Factor (>= 1) by which stragglers stretch the failure-free training time. */
export const stragglerStretch = (s: StragglerSpec, nodes: number): number => 1 + stragglerRatePerSecond(s, nodes) * stragglerCostSeconds(s);
