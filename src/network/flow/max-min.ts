/**
 * Max-min fair sharing of link bandwidth among flows (progressive filling):
 * repeatedly find the link whose remaining capacity split among its unfixed
 * flows is smallest, give each of those flows that share, and remove them.
 * Then a fluid simulation: flows drain at those rates; when some finish, the
 * rest are re-shared. The result is how long the whole set takes.
 */
import type { FlowSet } from './flow-set.js';

/** A binary min-heap of (key, link) pairs with lazy deletion. */
class MinHeap {
  private keys: number[] = [];
  private vals: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(key: number, val: number): void {
    const k = this.keys;
    const v = this.vals;
    let i = k.length;
    k.push(key);
    v.push(val);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] <= key) break;
      k[i] = k[p];
      v[i] = v[p];
      i = p;
    }
    k[i] = key;
    v[i] = val;
  }
  /** Removes the smallest; returns its value, with its key in `lastKey`. */
  lastKey = 0;
  pop(): number {
    const k = this.keys;
    const v = this.vals;
    const topKey = k[0];
    const topVal = v[0];
    const key = k.pop() as number;
    const val = v.pop() as number;
    if (k.length > 0) {
      let i = 0;
      const n = k.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && k[r] < k[l] ? r : l;
        if (k[c] >= key) break;
        k[i] = k[c];
        v[i] = v[c];
        i = c;
      }
      k[i] = key;
      v[i] = val;
    }
    this.lastKey = topKey;
    return topVal;
  }
}

/**
 * Max-min fair rates (bytes/s) of the `active` flows of `set` over links of
 * the given capacities. Flows with an empty path get Infinity.
 */
export function maxMinRates(set: FlowSet, active: Int32Array, capacity: Float64Array): Float64Array {
  const nLinks = capacity.length;
  const cap = new Float64Array(capacity);
  const count = new Int32Array(nLinks);
  const { links, offsets } = set;
  for (const f of active) for (let i = offsets[f]; i < offsets[f + 1]; i++) count[links[i]]++;
  // Flows through each link (CSR), for the links in use.
  const start = new Int32Array(nLinks + 1);
  for (let l = 0; l < nLinks; l++) start[l + 1] = start[l] + count[l];
  const fill = start.slice(0, nLinks);
  const through = new Int32Array(start[nLinks]);
  for (const f of active) for (let i = offsets[f]; i < offsets[f + 1]; i++) through[fill[links[i]]++] = f;

  const rate = new Float64Array(set.size);
  const fixed = new Uint8Array(set.size);
  const heap = new MinHeap();
  for (let l = 0; l < nLinks; l++) if (count[l] > 0) heap.push(cap[l] / count[l], l);
  let remaining = 0;
  for (const f of active) {
    if (offsets[f] === offsets[f + 1]) {
      rate[f] = Infinity;
      fixed[f] = 1;
    } else remaining++;
  }
  while (remaining > 0 && heap.size > 0) {
    const l = heap.pop();
    const key = heap.lastKey;
    if (count[l] === 0) continue;
    const share = cap[l] / count[l];
    // A stale entry: the link's share changed since it was pushed.
    if (share !== key) continue;
    for (let i = start[l]; i < start[l + 1]; i++) {
      const f = through[i];
      if (fixed[f]) continue;
      fixed[f] = 1;
      rate[f] = share;
      remaining--;
      for (let j = offsets[f]; j < offsets[f + 1]; j++) {
        const m = links[j];
        cap[m] = Math.max(0, cap[m] - share);
        count[m]--;
        if (m !== l && count[m] > 0) heap.push(cap[m] / count[m], m);
      }
    }
  }
  return rate;
}

export interface FluidResult {
  /** Seconds until the last flow finishes, for one byte of message. */
  secondsPerByte: number;
  /** When each flow finished, seconds (per byte of message). */
  finishSeconds: Float64Array;
}

/** Most re-sharing rounds; after that the remaining flows finish at their current rates. */
const MAX_ROUNDS = 32;

/**
 * Drains every flow of the set (each carrying its weight, in bytes per byte of
 * message) and returns how long that takes per byte of message.
 */
export function fluidCompletion(set: FlowSet, capacity: Float64Array): FluidResult {
  const n = set.size;
  const remaining = Float64Array.from(set.weights);
  let active = new Int32Array(n);
  let na = 0;
  for (let f = 0; f < n; f++) if (remaining[f] > 0) active[na++] = f;
  active = active.slice(0, na);
  let time = 0;
  const finishSeconds = new Float64Array(n);
  for (let round = 0; active.length > 0; round++) {
    const rate = maxMinRates(set, active, capacity);
    let dt = Infinity;
    for (const f of active) if (rate[f] > 0) dt = Math.min(dt, remaining[f] / rate[f]);
    if (!Number.isFinite(dt)) {
      // Only flows that need no link remain.
      break;
    }
    if (round === MAX_ROUNDS - 1) {
      let last = 0;
      for (const f of active) {
        const left = remaining[f] / rate[f];
        finishSeconds[f] = time + left;
        last = Math.max(last, left);
      }
      time += last;
      break;
    }
    time += dt;
    const next: number[] = [];
    for (const f of active) {
      remaining[f] -= rate[f] * dt;
      if (remaining[f] > 1e-12 * set.weights[f]) next.push(f);
      else finishSeconds[f] = time;
    }
    active = Int32Array.from(next);
  }
  return { secondsPerByte: time, finishSeconds };
}
