/**
 * The fleet simulation's event queue: a binary min-heap over typed arrays
 * (time, then insertion order, so equal times pop in the order they were
 * pushed and a seed gives one answer). Each event carries a kind and two
 * integer arguments; nothing is allocated per event once the arrays have grown.
 */

export class EventQueue {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private kinds = new Int32Array(1024);
  private as = new Int32Array(1024);
  private bs = new Int32Array(1024);
  private n = 0;
  private seq = 0;
  /** The popped event's fields (valid after pop() returns true). */
  time = 0;
  kind = 0;
  a = 0;
  b = 0;

  get size(): number {
    return this.n;
  }

  push(time: number, kind: number, a = 0, b = 0): void {
    if (this.n === this.times.length) this.grow();
    let i = this.n++;
    const s = this.seq++;
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.times[p]! < time || (this.times[p] === time && this.seqs[p]! < s)) break;
      this.move(p, i);
      i = p;
    }
    this.times[i] = time;
    this.seqs[i] = s;
    this.kinds[i] = kind;
    this.as[i] = a;
    this.bs[i] = b;
  }

  /** Pops the earliest event into time/kind/a/b; false when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    this.time = this.times[0]!;
    this.kind = this.kinds[0]!;
    this.a = this.as[0]!;
    this.b = this.bs[0]!;
    const last = --this.n;
    if (last === 0) return true;
    const t = this.times[last]!;
    const s = this.seqs[last]!;
    const k = this.kinds[last]!;
    const a = this.as[last]!;
    const b = this.bs[last]!;
    let i = 0;
    // Sift down.
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let c = l;
      if (r < last && (this.times[r]! < this.times[l]! || (this.times[r] === this.times[l] && this.seqs[r]! < this.seqs[l]!))) c = r;
      if (this.times[c]! > t || (this.times[c] === t && this.seqs[c]! > s)) break;
      this.move(c, i);
      i = c;
    }
    this.times[i] = t;
    this.seqs[i] = s;
    this.kinds[i] = k;
    this.as[i] = a;
    this.bs[i] = b;
    return true;
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.kinds[to] = this.kinds[from]!;
    this.as[to] = this.as[from]!;
    this.bs[to] = this.bs[from]!;
  }

  private grow(): void {
    const m = this.times.length * 2;
    const f = (x: Float64Array) => {
      const y = new Float64Array(m);
      y.set(x);
      return y;
    };
    const g = (x: Int32Array) => {
      const y = new Int32Array(m);
      y.set(x);
      return y;
    };
    this.times = f(this.times);
    this.seqs = f(this.seqs);
    this.kinds = g(this.kinds);
    this.as = g(this.as);
    this.bs = g(this.bs);
  }
}
