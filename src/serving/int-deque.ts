/**
 * A double-ended queue of request indices in a ring buffer: the waiting queue takes arrivals at
 * the back and preempted requests at the front (vLLM re-queues them first), both in O(1).
 */
export class IntDeque {
  private buf: Int32Array;
  private head = 0;
  length = 0;

  constructor(capacity = 64) {
    this.buf = new Int32Array(Math.max(4, capacity));
  }

  pushBack(x: number): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[(this.head + this.length) % this.buf.length] = x;
    this.length++;
  }

  pushFront(x: number): void {
    if (this.length === this.buf.length) this.grow();
    this.head = (this.head - 1 + this.buf.length) % this.buf.length;
    this.buf[this.head] = x;
    this.length++;
  }

  /** The front element; the queue must not be empty. */
  front(): number {
    return this.buf[this.head];
  }

  popFront(): number {
    const x = this.buf[this.head];
    this.head = (this.head + 1) % this.buf.length;
    this.length--;
    return x;
  }

  private grow(): void {
    const b = new Int32Array(this.buf.length * 2);
    for (let i = 0; i < this.length; i++) b[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = b;
    this.head = 0;
  }
}
