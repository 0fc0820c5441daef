/**
 * Near-duplicate plans. Splits that differ only in the virtual pipeline
 * stages (VP) and the micro-batch are the same way of cutting the job
 * (TP, PP, DP, CP, EP, ZeRO, recompute, SP) scheduled a little differently:
 * the planner ranks such a family by its best member and says how many
 * others it stands for, so that the top N are N different splits.
 */
import type { Split } from './space.js';

/** The dimensions that make a split different (DP follows from TP, CP and PP at a given GPU count). */
export const FAMILY_KEYS = ['tp', 'pp', 'cp', 'ep', 'zero', 'recompute', 'sp'] as const;

/** The dimensions a family's members differ in. */
export const VARIANT_KEYS = ['vp', 'mbs'] as const;

/** The family a split belongs to; with `allVariants`, every split is its own family. */
export function familyKey(s: Split, allVariants: boolean): string {
  const key = `${s.tp}|${s.pp}|${s.cp}|${s.ep}|${s.zero}|${s.recompute}|${s.sp ? 1 : 0}`;
  return allVariants ? `${key}|${s.vp}|${s.mbs}` : key;
}
