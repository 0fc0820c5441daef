/**
 * A binary min-heap of (time, id) events: which replica's step ends next. Ties go to the lower id
 * so that a run is the same on every platform.
 */
export class EventHeap {
  private times: Float64Array;
  private ids: Int32Array;
  size = 0;

  constructor(capacity = 16) {
    this.times = new Float64Array(Math.max(4, capacity));
    this.ids = new Int32Array(Math.max(4, capacity));
  }

  private less(a: number, b: number): boolean {
    return this.times[a] < this.times[b] || (this.times[a] === this.times[b] && this.ids[a] < this.ids[b]);
  }

  private swap(a: number, b: number): void {
    const t = this.times[a];
    this.times[a] = this.times[b];
    this.times[b] = t;
    const i = this.ids[a];
    this.ids[a] = this.ids[b];
    this.ids[b] = i;
  }

  push(timeSeconds: number, id: number): void {
    if (this.size === this.times.length) {
      const t = new Float64Array(this.size * 2);
      t.set(this.times);
      this.times = t;
      const i = new Int32Array(this.size * 2);
      i.set(this.ids);
      this.ids = i;
    }
    let k = this.size++;
    this.times[k] = timeSeconds;
    this.ids[k] = id;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.less(k, parent)) break;
      this.swap(k, parent);
      k = parent;
    }
  }

  /** The earliest time (Infinity when empty). */
  peekTime(): number {
    return this.size ? this.times[0] : Infinity;
  }

  /** Removes the earliest event and returns its id; the heap must not be empty. */
  pop(): number {
    const id = this.ids[0];
    this.size--;
    if (this.size > 0) {
      this.times[0] = this.times[this.size];
      this.ids[0] = this.ids[this.size];
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < this.size && this.less(l, m)) m = l;
        if (r < this.size && this.less(r, m)) m = r;
        if (m === k) break;
        this.swap(k, m);
        k = m;
      }
    }
    return id;
  }
}
