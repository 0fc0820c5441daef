/**
 * Durations as people write them: `600` (seconds), `45s`, `20m`, `1.5h`,
 * `2d`, `3w`. Returns NaN when the text is not one.
 */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400, w: 604_800 };

export function parseDurationSeconds(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(s|m|min|h|d|w)?$/i.exec(text.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * UNIT_SECONDS[(m[2] ?? 's').toLowerCase()];
}
