/**
 * Every request of one simulation, one index a request, in typed arrays that grow by doubling:
 * a day of traffic is millions of requests and objects per request would cost more than the
 * simulation itself.
 */

/** Where a request stands. */
export const RequestState = { waiting: 0, running: 1, finished: 2, rejected: 3 } as const;
export type RequestStateCode = (typeof RequestState)[keyof typeof RequestState];

/** Why a request was turned away at arrival, by code. */
export const REJECT_REASONS = [
  '',
  'kv-budget: its prompt and output need more KV-cache blocks than the whole budget holds',
  'step-tokens: without chunked prefill its prompt must fit one step, and it is longer than maxBatchedTokens',
] as const;
export const RejectReason = { none: 0, kvBudget: 1, stepTokens: 2 } as const;

export class RequestStore {
  count = 0;
  arrivalSeconds: Float64Array;
  promptTokens: Int32Array;
  outputTokens: Int32Array;
  // generated, computed, blocks and prefilled: a running request's live values are the
  // scheduler's (in its running slots); these hold them while it waits and once it finishes.
  /** Output tokens sampled so far. */
  generated: Int32Array;
  /** Tokens whose KV is in the cache (prompt and output; 0 again after a recompute preemption). */
  computed: Int32Array;
  /** KV-cache blocks held. */
  blocks: Int32Array;
  /** 1 once the (re)prefill is done and each step decodes one token. */
  prefilled: Uint8Array;
  firstTokenSeconds: Float64Array;
  finishSeconds: Float64Array;
  state: Uint8Array;
  rejectReason: Uint8Array;
  preemptions: Int32Array;
  replica: Int32Array;

  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.arrivalSeconds = new Float64Array(c);
    this.promptTokens = new Int32Array(c);
    this.outputTokens = new Int32Array(c);
    this.generated = new Int32Array(c);
    this.computed = new Int32Array(c);
    this.blocks = new Int32Array(c);
    this.prefilled = new Uint8Array(c);
    this.firstTokenSeconds = new Float64Array(c).fill(NaN);
    this.finishSeconds = new Float64Array(c).fill(NaN);
    this.state = new Uint8Array(c);
    this.rejectReason = new Uint8Array(c);
    this.preemptions = new Int32Array(c);
    this.replica = new Int32Array(c).fill(-1);
  }

  /** Adds a request that arrives at the given time; returns its index. */
  add(arrivalSeconds: number, promptTokens: number, outputTokens: number): number {
    if (this.count === this.arrivalSeconds.length) this.grow();
    const i = this.count++;
    this.arrivalSeconds[i] = arrivalSeconds;
    this.promptTokens[i] = promptTokens;
    this.outputTokens[i] = outputTokens;
    return i;
  }

  private grow(): void {
    const c = this.arrivalSeconds.length * 2;
    const f64 = (a: Float64Array, fill: number): Float64Array => {
      const b = new Float64Array(c).fill(fill);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array, fill = 0): Int32Array => {
      const b = new Int32Array(c).fill(fill);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(c);
      b.set(a);
      return b;
    };
    this.arrivalSeconds = f64(this.arrivalSeconds, 0);
    this.promptTokens = i32(this.promptTokens);
    this.outputTokens = i32(this.outputTokens);
    this.generated = i32(this.generated);
    this.computed = i32(this.computed);
    this.blocks = i32(this.blocks);
    this.prefilled = u8(this.prefilled);
    this.firstTokenSeconds = f64(this.firstTokenSeconds, NaN);
    this.finishSeconds = f64(this.finishSeconds, NaN);
    this.state = u8(this.state);
    this.rejectReason = u8(this.rejectReason);
    this.preemptions = i32(this.preemptions);
    this.replica = i32(this.replica, -1);
  }
}
