/**
 * The page's state in the location hash, so a link reopens the same scenarios:
 * `#gpus=2048&tp=8` for scenario A, B's fields prefixed `b.`, and `compare` when B is shown.
 */
import { compactFields, type Fields } from './scenario-fields.js';

/** What a link holds. */
export interface SharedState {
  a: Fields;
  /** Scenario B, when comparing. */
  b: Fields | null;
}

export function encodeState(s: SharedState): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(compactFields(s.a))) p.set(k, v);
  if (s.b) {
    p.set('compare', '1');
    for (const [k, v] of Object.entries(compactFields(s.b))) p.set(`b.${k}`, v);
  }
  return p.toString();
}

export function decodeState(hash: string): SharedState {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const a: Record<string, string> = {};
  const b: Record<string, string> = {};
  for (const [k, v] of p) {
    // A hand-made link could name an object's own machinery; those are never scenario keys.
    if (k === 'compare' || /(^|\.)(__proto__|constructor|prototype)$/.test(k)) continue;
    if (k.startsWith('b.')) b[k.slice(2)] = v;
    else a[k] = v;
  }
  return { a, b: p.has('compare') ? b : null };
}
