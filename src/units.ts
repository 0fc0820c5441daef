/**
 * Units. The engine works in SI base units (bytes, seconds, FLOPs, bytes per
 * second, watts); every quantity carries its unit in its name. Presets and
 * the CLI accept human units (GB/s, TFLOP/s, Gb/s) and are converted here once.
 */

export const KIB = 1024;
export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;
export const GB = 1e9;
export const TERA = 1e12;

export const SECONDS_PER_HOUR = 3600;
export const SECONDS_PER_DAY = 86_400;

/** Gigabits per second to bytes per second. */
export const gbpsToBytesPerSecond = (gbps: number): number => (gbps * 1e9) / 8;
/** Gigabytes (decimal) per second to bytes per second. */
export const gigabytesPerSecondToBytesPerSecond = (gBps: number): number => gBps * 1e9;
/** TFLOP/s to FLOP/s. */
export const tflopsToFlopsPerSecond = (tflops: number): number => tflops * TERA;

const COUNT_SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };
const BYTE_SUFFIX: Record<string, number> = { k: KIB, m: MIB, g: GIB, t: 1024 ** 4 };
const DECIMAL_BYTE_SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12 };

/**
 * Parses counts such as `300e9`, `300B`, `16M`, `1.5k`, `1,024` (decimal
 * suffixes: k, M, B/G, T). Returns NaN when the text is not a count.
 */
export function parseCount(text: string | number): number {
  if (typeof text === 'number') return text;
  const t = text.trim().replace(/[_,]/g, '');
  const m = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmbgt])?$/i.exec(t);
  if (!m) return Number.NaN;
  const base = Number(m[1]);
  const suffix = m[2]?.toLowerCase();
  return suffix ? base * COUNT_SUFFIX[suffix] : base;
}

/**
 * Parses byte sizes. A bare suffix is binary, as nccl-tests writes its sizes (`1K` = 1,024,
 * `8G` = 8 GiB), and so is an explicit `KiB`/`MiB`/`GiB`/`TiB`; `KB`/`MB`/`GB`/`TB` are decimal
 * (SI: 1KB = 1,000). Returns NaN otherwise.
 */
export function parseBytes(text: string | number): number {
  if (typeof text === 'number') return text;
  const t = text.trim().replace(/[_,]/g, '');
  const m = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(?:([kmgt])(i?b)?|b)?$/i.exec(t);
  if (!m) return Number.NaN;
  const base = Number(m[1]);
  const suffix = m[2]?.toLowerCase();
  if (!suffix) return base;
  const decimal = m[3] !== undefined && m[3].toLowerCase() === 'b';
  return base * (decimal ? DECIMAL_BYTE_SUFFIX[suffix] : BYTE_SUFFIX[suffix]);
}

/** Formats a byte count with a binary suffix, e.g. `64 MiB`. */
export function formatBytes(bytes: number, digits = 1): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(digits)} ${units[i]}`;
}

/** Formats a size as nccl-tests prints it in its size column (`1K`, `64M`, `8G`). */
export function formatBytesShort(bytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1 && Number.isInteger(v / 1024)) {
    v /= 1024;
    i++;
  }
  return `${v}${units[i]}`;
}

/** Formats seconds as the most readable of µs, ms, s, min, h or days. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const a = Math.abs(seconds);
  if (a < 1e-3) return `${(seconds * 1e6).toFixed(1)} µs`;
  if (a < 1) return `${(seconds * 1e3).toFixed(1)} ms`;
  if (a < 120) return `${seconds.toFixed(2)} s`;
  if (a < 7200) return `${(seconds / 60).toFixed(1)} min`;
  if (a < 2 * SECONDS_PER_DAY) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / SECONDS_PER_DAY).toFixed(1)} days`;
}

/** Formats a count with a decimal suffix, e.g. `300B`, `16.8M`. */
export function formatCount(n: number, digits = 1): string {
  const a = Math.abs(n);
  if (a >= 1e12) return `${(n / 1e12).toFixed(digits)}T`;
  if (a >= 1e9) return `${(n / 1e9).toFixed(digits)}B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(digits)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(digits)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

/** A share as a percentage ("53.4%"); a non-finite value as itself. */
export const formatPercent = (x: number, digits = 1): string => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : String(x));

/** Dollars, short: "$1.97M", "$576.0k", "$4.78"; a non-finite value as itself. */
export function formatUsd(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1e6) return `$${(x / 1e6).toFixed(2)}M`;
  if (Math.abs(x) >= 1e3) return `$${(x / 1e3).toFixed(1)}k`;
  return `$${x.toFixed(2)}`;
}

/** A whole number with thousands separators ("1,024"). */
export const formatInt = (x: number): string => Math.round(x).toLocaleString('en-US');
