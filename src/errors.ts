/**
 * Errors the user can act on. Each carries a machine-readable `code`, the
 * `path` of the offending field (as the user wrote it: a flag or a config key)
 * and one human sentence. The CLI prints `error: <path>: <message>` and exits 2.
 */

export type ErrorCode =
  | 'invalid_value'
  | 'unknown_preset'
  | 'not_divisible'
  | 'unsupported'
  | 'config_file'
  | 'does_not_fit'
  | 'out_of_range'
  | 'output_file';

export class ClusterTwinError extends Error {
  readonly code: ErrorCode;
  readonly path: string;
  /** The sentence alone, without the path (`message` is `path: detail`). */
  readonly detail: string;
  constructor(code: ErrorCode, path: string, detail: string) {
    super(path ? `${path}: ${detail}` : detail);
    this.name = 'ClusterTwinError';
    this.code = code;
    this.path = path;
    this.detail = detail;
  }
}

/** The longest echo of a user's value in a message: a 100 MB name must not come back whole. */
export const MAX_ECHO_CHARS = 80;

/** A user's value as a message quotes it: JSON-quoted, cut to MAX_ECHO_CHARS with its length said. */
export function echo(value: unknown): string {
  if (typeof value === "number") return String(value);
  const text = typeof value === "string" ? value : String(value);
  if (text.length <= MAX_ECHO_CHARS) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, MAX_ECHO_CHARS))}... (${text.length.toLocaleString('en-US')} characters)`;
}

export const invalid = (path: string, message: string): ClusterTwinError =>
  new ClusterTwinError('invalid_value', path, message);

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** The known names closest to `name`, best first (at most `limit`). */
export function nearestNames(name: string, known: readonly string[], limit = 3): string[] {
  // No preset name is this long: a suggestion would cost time and say nothing.
  if (name.length > MAX_ECHO_CHARS) return [];
  const q = name.toLowerCase();
  return [...known]
    .map((k) => ({ k, d: k.includes(q) || q.includes(k) ? 0 : editDistance(q, k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))
    .slice(0, limit)
    .map((x) => x.k);
}
