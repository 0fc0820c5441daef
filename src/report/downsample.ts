/**
 * Long series made short enough to draw as SVG (uplot is not a dependency; Plot draws a few
 * hundred to a few thousand points well): the fleet's hourly samples summed or averaged into
 * buckets of whole hours, and a step-function power trace cut into time bins that keep each bin's
 * first, lowest, highest and last value (M4), so the swing's peaks and troughs survive.
 */

/** Hours a bucket: the smallest of these that leaves at most `maxPoints` buckets. */
const BUCKET_HOURS = [1, 2, 3, 4, 6, 8, 12, 24, 48, 72, 168, 336, 720];

/** Hours each bucket holds for `hours` hourly samples and at most `maxPoints` buckets. */
export function bucketHours(hours: number, maxPoints: number): number {
  for (const h of BUCKET_HOURS) if (Math.ceil(hours / h) <= maxPoints) return h;
  return Math.ceil(hours / maxPoints);
}

/** `values` in consecutive buckets of `size`: each bucket's sum, or its mean (`mean`: true). The last bucket may be shorter. */
export function bucketed(values: readonly number[], size: number, how: 'sum' | 'mean' | 'max'): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += size) {
    const part = values.slice(i, i + size);
    if (how === 'max') out.push(Math.max(...part));
    else {
      const sum = part.reduce((a, b) => a + b, 0);
      out.push(how === 'sum' ? sum : sum / part.length);
    }
  }
  return out;
}

export interface TimePoint {
  seconds: number;
  itMW: number;
}

/**
 * A step function (each point's value holds until the next point) in at most `bins` time bins,
 * each as up to four points in time order: its first value, its lowest and highest (at their own
 * times) and its last. Drawn as a step line it keeps the envelope of the original.
 */
export function m4(points: readonly TimePoint[], bins: number): TimePoint[] {
  if (points.length <= 4 * bins) return [...points];
  const t0 = points[0]!.seconds;
  const span = points[points.length - 1]!.seconds - t0 || 1;
  const out: TimePoint[] = [];
  let i = 0;
  for (let b = 0; b < bins && i < points.length; b++) {
    const end = t0 + (span * (b + 1)) / bins;
    const group: TimePoint[] = [];
    while (i < points.length && (points[i]!.seconds < end || b === bins - 1)) group.push(points[i++]!);
    if (!group.length) continue;
    let lo = group[0]!;
    let hi = group[0]!;
    for (const p of group) {
      if (p.itMW < lo.itMW) lo = p;
      if (p.itMW > hi.itMW) hi = p;
    }
    const keep = new Set([group[0]!, lo, hi, group[group.length - 1]!]);
    out.push(...group.filter((p) => keep.has(p)));
  }
  return out;
}
