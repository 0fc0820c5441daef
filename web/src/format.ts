/** Number formats of the page (the CLI's units helpers, and a few the CLI keeps in src/cli). */
export { formatBytes, formatCount, formatDuration } from '../../src/units.js';

export const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : String(x));

export function usd(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1e6) return `$${(x / 1e6).toFixed(2)}M`;
  if (Math.abs(x) >= 1e3) return `$${(x / 1e3).toFixed(1)}k`;
  return `$${x.toFixed(2)}`;
}

export const int = (x: number): string => Math.round(x).toLocaleString('en-US');
