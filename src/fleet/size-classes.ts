/**
 * Job-size classes the fleet report groups by: up to one 8-GPU VM (1-8), up to a leaf's
 * worth (9-64), up to a pod's (65-512), and larger (513+). The edges are ours,
 * chosen on the VM size of 8 and powers of eight; docs/fleet.md.
 */
export const SIZE_CLASSES = ['1-8', '9-64', '65-512', '513+'] as const;
export type SizeClass = (typeof SIZE_CLASSES)[number];

export function sizeClassIndex(gpus: number): number {
  return gpus <= 8 ? 0 : gpus <= 64 ? 1 : gpus <= 512 ? 2 : 3;
}

/** The q-quantile (0..1) of sorted values by nearest rank; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}
