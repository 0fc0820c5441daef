/**
 * One replica's continuous-batching scheduler, after vLLM's. Each step it decides which requests
 * run and how many tokens each feeds; the replica simulation times the step and commits it.
 *
 * Four policies:
 * - `chunked-prefill` (vLLM V1, chunked prefill on): one token budget a step
 *   (`maxBatchedTokens`). Running requests are served first, in admission order: a decoding
 *   request takes 1 token, a request still prefilling takes the rest of its prompt up to what
 *   the budget has left (a chunk). When a running request needs a KV block and none is free,
 *   the newest running request is preempted (its blocks freed, it goes back to the front of
 *   the waiting queue and recomputes its prompt and the output it had). Then, if nothing was
 *   preempted this step, waiting requests are admitted in order while the budget, `maxNumSeqs`
 *   and the free blocks for their first chunk allow.
 * - `prefill-first` (vLLM V0's default scheduler, chunked prefill off): if waiting requests fit
 *   (whole prompt in free blocks, prompts summed within `maxBatchedTokens`, under `maxNumSeqs`),
 *   the step prefills them and nothing else; otherwise every running request decodes one token,
 *   preempting the newest when blocks run out. * - `prefill-batches` (SGLang's default, `enable_mixed_chunk` off): a step is either a prefill
 *   batch or a decode batch, and prefill comes first. While a prompt is part-way through its
 *   chunks or requests wait, the step continues the part-prefilled prompts, then admits waiting
 *   requests, within `maxBatchedTokens` (SGLang's chunked_prefill_size), the last one admitted
 *   taking a chunk if its prompt does not fit; decodes wait. Otherwise every running request
 *   decodes one token.
 * - `whole-prompt` (TensorRT-LLM's in-flight batching with chunked context off, its default):
 *   like `chunked-prefill`, decodes first and prompts beside them in one step, but a prompt is
 *   admitted only whole, within what the budget has left (a prompt longer than the budget is
 *   refused on arrival).
 *
 * KV is held in blocks of `blockTokens` (16 as vLLM's default); a request holds
 * ceil(tokens in its cache / blockTokens) blocks. No watermark is kept back (vLLM V0 kept 1%).
 *
 * Prefix caching (`prefixCacheTokens`, vLLM's automatic prefix caching): every prompt begins with
 * the same prefix, whose whole blocks are resident from the start and never freed (a system prompt
 * under steady traffic). vLLM caches only full blocks, each hashed with the tokens before it
 * (docs.vllm.ai/en/latest/design/prefix_caching/), and a hit stops short of the prompt's last
 * token, which is recomputed for its logits (vllm/v1/core/kv_cache_manager.py,
 * get_computed_blocks: max_cache_hit_length = num_tokens - 1). A request (re)starting counts its
 * cached blocks as computed and held; they are shared, so they are never its to free.
 *
 * For speed (a long run is millions of steps over hundreds of running requests each):
 * - The running requests' state lives in the scheduler's own dense arrays, one slot per running
 *   request in admission order; the store's per-request arrays hold it only while a request
 *   waits, and get it back when the request leaves the running list.
 * - Decoding requests are kept against a clock that counts the steps in which every one of them
 *   decoded: their tokens in cache and tokens left are stored as offsets from it. A step in which
 *   nothing is prefilling, every decode fits the token budget and the free blocks cover every
 *   decode that crosses into a new block is such a step, and it costs no pass over the requests:
 *   the decodes' context sum is kept incrementally, the decodes that need a block this step are
 *   counted by their position in a block (one counter per position), and the requests finishing
 *   this step are found on a timing wheel keyed by the step they finish in. Any other step takes
 *   the general pass below, in admission order, and is exactly vLLM's rule; the fast step gives
 *   what that pass would give for it, number for number (scheduler.test.ts holds the two together
 *   step by step; test/serving-golden.test.ts holds whole runs to their results before this).
 * - A step's token accounting is applied as the step is built; what the step's end makes visible
 *   (first-token and finish times, finished requests' blocks freed) waits for `commit`. Finished
 *   requests stay in their slots, skipped, until enough of them pile up to be worth squeezing out
 *   (the order of the rest, which is all that scheduling reads, is kept).
 */
import type { BatchShape } from './batch.js';
import { IntDeque } from './int-deque.js';
import { RejectReason, RequestState, type RequestStore } from './request-store.js';

/** The scheduling policy of a replica. */
export type SchedulerPolicy = 'chunked-prefill' | 'prefill-first' | 'prefill-batches' | 'whole-prompt';

/** Every policy, for checks and the CLI's choices. */
export const SCHEDULER_POLICIES: readonly SchedulerPolicy[] = ['chunked-prefill', 'prefill-first', 'prefill-batches', 'whole-prompt'];

/** Policies that never split a prompt over steps: a prompt must fit one step's token budget. */
export const wholePromptPolicy = (p: SchedulerPolicy): boolean => p === 'prefill-first' || p === 'whole-prompt';

/** A replica's limits, as vLLM names them. */
export interface SchedulerConfig {
  /** KV-cache capacity in tokens (the memory left after weights, as the step model reports it). */
  kvBudgetTokens: number;
  /** Tokens a KV block holds (vLLM's default 16). */
  blockTokens?: number;
  /** Most requests running at once (vLLM's max_num_seqs; default 256). */
  maxNumSeqs?: number;
  /** Most tokens one step processes (vLLM's max_num_batched_tokens; default 8192). */
  maxBatchedTokens?: number;
  /** Default `chunked-prefill`. */
  policy?: SchedulerPolicy;
  /** Tokens every prompt begins with, kept in the prefix cache (default 0: no prefix caching). */
  prefixCacheTokens?: number;
}

/** What a slot of the running list holds. */
const PREFILLING = 0;
const DECODING = 1;
const FINISHED = 2;
/** Buckets of the finish wheel (a power of two); a request finishing further ahead is passed over once a turn. */
const WHEEL = 1024;
const NONE = -1;

/** x mod m in [0, m). */
const mod = (x: number, m: number): number => {
  const r = x % m;
  return r < 0 ? r + m : r;
};

export class ReplicaScheduler {
  readonly blockTokens: number;
  readonly totalBlocks: number;
  readonly maxNumSeqs: number;
  readonly maxBatchedTokens: number;
  readonly policy: SchedulerPolicy;
  /** Blocks of the shared prefix, resident from the start (0 without prefix caching). */
  readonly prefixBlocks: number;
  freeBlocks: number;
  /**
   * The running list, one slot per request in admission order (the newest last: the one
   * preempted first), finished ones not yet squeezed out among them.
   */
  private slotRequest: Int32Array;
  private slotPhase: Uint8Array;
  /** Tokens of the slot's request whose KV is in the cache; for a decoding slot, less the clock. */
  private slotComputed: Int32Array;
  /** KV blocks a prefilling slot holds (a decoding slot holds ceil(tokens in cache / blockTokens)). */
  private slotBlocks: Int32Array;
  /** Output tokens the slot's request has still to sample; for a decoding slot, plus the clock. */
  private slotLeft: Int32Array;
  private runningLength = 0;
  /** Finished requests still in the running list. */
  private dead = 0;
  /** Steps in which every decoding slot decoded (see the file's note). */
  private clock = 0;
  /** Decoding slots, and the sum of their `slotComputed`. */
  private decoders = 0;
  private decodeOffsetSum = 0;
  /** Prefilling slots. */
  private prefilling = 0;
  /** Decoding slots by -slotComputed mod blockTokens: at clock t, those at t mod blockTokens fill their last block. */
  private atBlockPosition: Int32Array;
  /** The finish wheel: decoding slots in lists by the clock of the step they finish in (slotLeft - 1), mod WHEEL. */
  private wheelHead: Int32Array;
  private wheelNext: Int32Array;
  private wheelPrev: Int32Array;
  readonly waiting = new IntDeque();
  /** Requests in the step being built or run. */
  private stepRequests = 0;
  /** Tokens the step samples when it ends. */
  private stepSampled = 0;
  /** Requests whose first token, and requests whose last, the step samples. */
  private firstIds: Int32Array;
  private firstCount = 0;
  /** Requests that finished in the last commit (valid until the next schedule; in no particular order). */
  readonly finishedIds: Int32Array;
  finishedCount = 0;
  /** Preemptions since the start. */
  preemptions = 0;
  /** The batch being built. */
  private batch: BatchShape = { prefillTokens: 0, prefillRequests: 0, prefillPriorTokens: 0, decodeRequests: 0, decodeContextTokens: 0 };

  constructor(config: SchedulerConfig) {
    this.blockTokens = config.blockTokens ?? 16;
    this.maxNumSeqs = config.maxNumSeqs ?? 256;
    this.maxBatchedTokens = config.maxBatchedTokens ?? 8192;
    this.policy = config.policy ?? 'chunked-prefill';
    const whole = (x: number): boolean => Number.isInteger(x) && x >= 1;
    if (!whole(this.blockTokens)) throw new RangeError(`blockTokens: must be a whole number >= 1 (got ${this.blockTokens})`);
    if (!whole(this.maxNumSeqs)) throw new RangeError(`maxNumSeqs: must be a whole number >= 1 (got ${this.maxNumSeqs})`);
    if (!whole(this.maxBatchedTokens)) throw new RangeError(`maxBatchedTokens: must be a whole number >= 1 (got ${this.maxBatchedTokens})`);
    if (!(config.kvBudgetTokens >= this.blockTokens) || !Number.isFinite(config.kvBudgetTokens)) {
      throw new RangeError(`kvBudgetTokens: holds no request; it must be at least one block of ${this.blockTokens} tokens (got ${config.kvBudgetTokens})`);
    }
    if (!SCHEDULER_POLICIES.includes(this.policy)) throw new RangeError(`policy: unknown scheduling policy ${String(this.policy)}`);
    this.totalBlocks = Math.floor(config.kvBudgetTokens / this.blockTokens);
    const prefix = config.prefixCacheTokens ?? 0;
    if (!(Number.isInteger(prefix) && prefix >= 0)) throw new RangeError(`prefixCacheTokens: must be a whole number >= 0 (got ${prefix})`);
    this.prefixBlocks = Math.floor(prefix / this.blockTokens);
    if (this.prefixBlocks >= this.totalBlocks) throw new RangeError(`prefixCacheTokens: the prefix's ${this.prefixBlocks} blocks leave none of the ${this.totalBlocks} for requests`);
    this.freeBlocks = this.totalBlocks - this.prefixBlocks;
    // Finished slots are squeezed out before the list fills, so it never holds more than twice the limit.
    const slots = 2 * this.maxNumSeqs;
    this.slotRequest = new Int32Array(slots);
    this.slotPhase = new Uint8Array(slots);
    this.slotComputed = new Int32Array(slots);
    this.slotBlocks = new Int32Array(slots);
    this.slotLeft = new Int32Array(slots);
    this.atBlockPosition = new Int32Array(this.blockTokens);
    this.wheelHead = new Int32Array(WHEEL).fill(NONE);
    this.wheelNext = new Int32Array(slots);
    this.wheelPrev = new Int32Array(slots);
    this.firstIds = new Int32Array(this.maxNumSeqs);
    this.finishedIds = new Int32Array(this.maxNumSeqs);
  }

  /** Requests running (admitted and not finished). */
  get runningCount(): number {
    return this.runningLength - this.dead;
  }

  /** Requests this replica holds, running or waiting (what least-outstanding routing compares). */
  get outstanding(): number {
    return this.runningCount + this.waiting.length;
  }

  get usedBlocks(): number {
    return this.totalBlocks - this.freeBlocks;
  }

  /** Takes an arriving request into the waiting queue, or rejects it; returns the reason code (0: taken). */
  admit(s: RequestStore, r: number): number {
    const cached = this.cachedBlocks(s, r);
    const need = Math.ceil((s.promptTokens[r] + s.outputTokens[r]) / this.blockTokens) - cached;
    let reason: number = RejectReason.none;
    if (need > this.totalBlocks - this.prefixBlocks) reason = RejectReason.kvBudget;
    else if (wholePromptPolicy(this.policy) && s.promptTokens[r] > this.maxBatchedTokens) reason = RejectReason.stepTokens;
    if (reason) {
      s.state[r] = RequestState.rejected;
      s.rejectReason[r] = reason;
      return reason;
    }
    s.state[r] = RequestState.waiting;
    s.blocks[r] = cached;
    s.computed[r] = cached * this.blockTokens;
    this.waiting.pushBack(r);
    return 0;
  }

  /** Blocks of request r's prompt in the prefix cache: the shared prefix's whole blocks, short of its last prompt token. */
  private cachedBlocks(s: RequestStore, r: number): number {
    return this.prefixBlocks === 0 ? 0 : Math.min(this.prefixBlocks, Math.floor((s.promptTokens[r] - 1) / this.blockTokens));
  }

  /** Builds the next step; null when there is nothing to run. */
  schedule(s: RequestStore): BatchShape | null {
    this.stepRequests = 0;
    this.stepSampled = 0;
    this.firstCount = 0;
    this.finishedCount = 0;
    this.batch = { prefillTokens: 0, prefillRequests: 0, prefillPriorTokens: 0, decodeRequests: 0, decodeContextTokens: 0 };
    // Finished slots cost a look in each general pass; squeeze them out once they outnumber the rest.
    if (this.dead * 2 > this.runningLength) this.compact();
    if (this.policy === 'prefill-first') {
      if (!this.prefillWaitingWhole(s)) this.scheduleRunning(s, Infinity);
    } else if (this.policy === 'prefill-batches') {
      if (!this.prefillBatch(s)) this.scheduleRunning(s, Infinity);
    } else {
      const before = this.preemptions;
      const left = this.scheduleRunning(s, this.maxBatchedTokens);
      if (this.preemptions === before) this.admitWaitingChunked(s, left, this.policy === 'whole-prompt');
    }
    return this.stepRequests === 0 ? null : this.batch;
  }

  private wheelAdd(i: number): void {
    const b = (this.slotLeft[i] - 1) & (WHEEL - 1);
    const head = this.wheelHead[b];
    this.wheelNext[i] = head;
    this.wheelPrev[i] = NONE;
    if (head !== NONE) this.wheelPrev[head] = i;
    this.wheelHead[b] = i;
  }

  /** Unlinks slot i from the wheel (its slotLeft must be what it was linked under). */
  private wheelRemove(i: number): void {
    const next = this.wheelNext[i];
    const prev = this.wheelPrev[i];
    if (prev !== NONE) this.wheelNext[prev] = next;
    else this.wheelHead[(this.slotLeft[i] - 1) & (WHEEL - 1)] = next;
    if (next !== NONE) this.wheelPrev[next] = prev;
  }

  /** Slot i's prefill is done, with `computed` tokens in cache and `left` (>= 1) to sample: it decodes from the next step on. */
  private startDecoding(i: number, computed: number, left: number): void {
    this.slotPhase[i] = DECODING;
    this.prefilling--;
    this.addDecoding(i, computed, left);
  }

  /** Puts decoding slot i on the clock's books, with `computed` tokens in cache and `left` (>= 1) to sample. */
  private addDecoding(i: number, computed: number, left: number): void {
    const off = computed - this.clock;
    this.slotComputed[i] = off;
    this.slotLeft[i] = left + this.clock;
    this.decoders++;
    this.decodeOffsetSum += off;
    this.atBlockPosition[mod(-off, this.blockTokens)]++;
    this.wheelAdd(i);
  }

  /** Takes decoding slot i off the clock's books (it finishes or is preempted). */
  private stopDecoding(i: number): void {
    const off = this.slotComputed[i];
    this.decoders--;
    this.decodeOffsetSum -= off;
    this.atBlockPosition[mod(-off, this.blockTokens)]--;
    this.wheelRemove(i);
  }

  /** Adds prefilling slot i feeding `tokens` of its (re)prefill to the step. */
  private feed(s: RequestStore, i: number, tokens: number): void {
    const b = this.batch;
    const c = this.slotComputed[i];
    const done = tokens === this.prefillLeft(s, i);
    b.prefillRequests++;
    b.prefillTokens += tokens;
    b.prefillPriorTokens += c;
    this.stepRequests++;
    this.slotComputed[i] = c + tokens;
    if (!done) return;
    // The prefill ends: the step samples the request's next token.
    const r = this.slotRequest[i];
    const left = this.slotLeft[i] - 1;
    this.stepSampled++;
    if (left === s.outputTokens[r] - 1) this.firstIds[this.firstCount++] = r;
    if (left > 0) return this.startDecoding(i, c + tokens, left);
    this.prefilling--;
    this.finish(s, i, c + tokens, this.slotBlocks[i]);
  }

  /** Prompt (and, after a recompute, output) tokens prefilling slot i has still to feed. */
  private prefillLeft(s: RequestStore, i: number): number {
    const r = this.slotRequest[i];
    const generated = s.outputTokens[r] - this.slotLeft[i];
    return s.promptTokens[r] + generated - this.slotComputed[i];
  }

  /** Slot i samples its last token this step, holding `computed` tokens in `blocks`: its request leaves with its state. */
  private finish(s: RequestStore, i: number, computed: number, blocks: number): void {
    const r = this.slotRequest[i];
    this.slotPhase[i] = FINISHED;
    s.generated[r] = s.outputTokens[r];
    s.computed[r] = computed;
    s.blocks[r] = blocks; // commit frees them
    s.prefilled[r] = 1;
    this.finishedIds[this.finishedCount++] = r;
  }

  /** Preempts the newest running request (recompute: its blocks freed, back to the front of the queue); returns its slot. */
  private preemptNewest(s: RequestStore): number {
    let i = --this.runningLength;
    while (this.slotPhase[i] === FINISHED) {
      this.dead--;
      i = --this.runningLength;
    }
    const victim = this.slotRequest[i];
    if (this.slotPhase[i] === DECODING) {
      this.freeBlocks += Math.ceil((this.slotComputed[i] + this.clock) / this.blockTokens);
      s.generated[victim] = s.outputTokens[victim] - (this.slotLeft[i] - this.clock);
      this.stopDecoding(i);
    } else {
      this.freeBlocks += this.slotBlocks[i];
      s.generated[victim] = s.outputTokens[victim] - this.slotLeft[i];
      this.prefilling--;
    }
    // It recomputes all but its cached prefix, which stays resident (shared, never its to free).
    const cached = this.cachedBlocks(s, victim);
    this.freeBlocks -= cached;
    s.blocks[victim] = cached;
    s.computed[victim] = cached * this.blockTokens;
    s.prefilled[victim] = 0;
    s.state[victim] = RequestState.waiting;
    s.preemptions[victim]++;
    this.preemptions++;
    this.waiting.pushFront(victim);
    return i;
  }

  /** Serves running requests in order within the budget; returns the budget left (protected: a test takes every step through the general pass to hold the clock's step to it). */
  protected scheduleRunning(s: RequestStore, budget: number): number {
    const B = this.blockTokens;
    const t = this.clock;
    const D = this.decoders;
    // The clock's step: nothing prefilling, every decode within the budget, and blocks for those filling their last one.
    if (this.prefilling === 0 && D <= budget && this.atBlockPosition[t % B] <= this.freeBlocks) {
      this.freeBlocks -= this.atBlockPosition[t % B];
      // Each decode attends to its tokens in cache and its new one: the sum of (offset + t + 1).
      this.batch.decodeContextTokens += this.decodeOffsetSum + D * (t + 1);
      for (let i = this.wheelHead[t & (WHEEL - 1)]; i !== NONE; ) {
        const next = this.wheelNext[i];
        if (this.slotLeft[i] - 1 === t) {
          const c = this.slotComputed[i] + t + 1;
          this.stopDecoding(i);
          this.finish(s, i, c, Math.ceil(c / B));
        }
        i = next;
      }
      this.clock = t + 1;
      this.stepSampled += D;
      this.stepRequests += D;
      this.batch.decodeRequests += D;
      return budget - D;
    }
    return this.scheduleRunningInOrder(s, budget);
  }

  /**
   * The general pass: running requests in admission order, each decoding one token or feeding a
   * chunk, preempting the newest when blocks run out; `prefillOnly` passes decoding slots over
   * (SGLang's prefill batch: they keep their place and their books, and the clock stands).
   */
  protected scheduleRunningInOrder(s: RequestStore, budget: number, prefillOnly = false): number {
    const B = this.blockTokens;
    const t = this.clock;
    const phase = this.slotPhase;
    const computed = this.slotComputed;
    const blocks = this.slotBlocks;
    const left = this.slotLeft;
    let decodes = 0;
    let decodeContext = 0;
    let free = this.freeBlocks;
    let n = this.runningLength; // only a preemption shortens it
    for (let i = 0; i < n && budget > 0; i++) {
      const p = phase[i];
      if (p === FINISHED) continue;
      const isDecode = p === DECODING;
      if (isDecode && prefillOnly) continue;
      const c = isDecode ? computed[i] + t : computed[i];
      const tokens = isDecode ? 1 : Math.min(this.prefillLeft(s, i), budget);
      // A decoding slot holds ceil(c / B) blocks, so it needs one more exactly when c fills them.
      const held = isDecode ? 0 : blocks[i];
      const need = isDecode ? (c % B === 0 ? 1 : 0) : c + tokens > held * B ? Math.ceil((c + tokens) / B) - held : 0;
      if (need > free) {
        this.freeBlocks = free;
        let selfPreempted = false;
        while (need > this.freeBlocks) {
          if (this.preemptNewest(s) === i) {
            selfPreempted = true;
            break;
          }
        }
        free = this.freeBlocks;
        n = this.runningLength;
        if (selfPreempted) break;
      }
      free -= need;
      budget -= tokens;
      if (isDecode) {
        decodes++;
        decodeContext += c + 1;
        // One decode the clock does not count: the slot goes back on its books one token on.
        this.stopDecoding(i);
        const l = left[i] - t - 1;
        if (l === 0) this.finish(s, i, c + 1, Math.ceil((c + 1) / B));
        else this.addDecoding(i, c + 1, l);
      } else {
        blocks[i] = held + need;
        this.freeBlocks = free;
        this.feed(s, i, tokens);
      }
    }
    this.freeBlocks = free;
    this.stepSampled += decodes;
    this.stepRequests += decodes;
    this.batch.decodeRequests += decodes;
    this.batch.decodeContextTokens += decodeContext;
    return budget;
  }

  /** Squeezes finished slots out of the running list, keeping the order of the rest, and relinks the wheel. */
  private compact(): void {
    let w = 0;
    for (let i = 0; i < this.runningLength; i++) {
      if (this.slotPhase[i] === FINISHED) continue;
      if (w !== i) {
        this.slotRequest[w] = this.slotRequest[i];
        this.slotPhase[w] = this.slotPhase[i];
        this.slotComputed[w] = this.slotComputed[i];
        this.slotBlocks[w] = this.slotBlocks[i];
        this.slotLeft[w] = this.slotLeft[i];
      }
      w++;
    }
    // Slots finishing in the step being built may go too: `dead` counts them once commit has.
    this.dead -= this.runningLength - w;
    this.runningLength = w;
    this.wheelHead.fill(NONE);
    for (let i = 0; i < w; i++) if (this.slotPhase[i] === DECODING) this.wheelAdd(i);
  }

  /** Moves the waiting queue's front into a new slot with `blocks` more blocks and feeds it `tokens`. */
  private startRunning(s: RequestStore, r: number, tokens: number, blocks: number): void {
    if (this.runningLength === this.slotRequest.length) this.compact();
    this.waiting.popFront();
    this.freeBlocks -= blocks;
    s.state[r] = RequestState.running;
    const i = this.runningLength++;
    this.slotRequest[i] = r;
    this.slotPhase[i] = PREFILLING;
    this.slotComputed[i] = s.computed[r];
    this.slotBlocks[i] = s.blocks[r] + blocks;
    this.slotLeft[i] = s.outputTokens[r] - s.generated[r];
    this.prefilling++;
    this.feed(s, i, tokens);
  }

  /** Admits waiting requests in order within the budget; `whole`: only prompts that fit it whole (one may be chunked when the step is otherwise empty, so a long recompute progresses). */
  private admitWaitingChunked(s: RequestStore, budget: number, whole = false): void {
    while (this.waiting.length > 0 && budget > 0 && this.runningCount < this.maxNumSeqs) {
      const r = this.waiting.front();
      const rest = s.promptTokens[r] + s.generated[r] - s.computed[r];
      if (whole && rest > budget && this.stepRequests > 0) break;
      const tokens = Math.min(rest, budget);
      const need = Math.ceil((s.computed[r] + tokens) / this.blockTokens) - s.blocks[r];
      if (need > this.freeBlocks) break;
      this.startRunning(s, r, tokens, need);
      budget -= tokens;
    }
  }

  /**
   * A prefill-only step (SGLang's prefill batch): part-prefilled prompts continue first, then
   * waiting requests are admitted, all within the budget; returns whether anything was scheduled.
   */
  private prefillBatch(s: RequestStore): boolean {
    if (this.waiting.length === 0 && this.prefilling === 0) return false;
    const before = this.preemptions;
    // The pass over the running list is needed only for a part-prefilled prompt.
    const left = this.prefilling > 0 ? this.scheduleRunningInOrder(s, this.maxBatchedTokens, true) : this.maxBatchedTokens;
    if (this.preemptions === before) this.admitWaitingChunked(s, left);
    return this.stepRequests > 0;
  }

  /** Prefills waiting requests whole, as many as fit; returns whether any were scheduled. */
  private prefillWaitingWhole(s: RequestStore): boolean {
    let budget = this.maxBatchedTokens;
    while (this.waiting.length > 0 && this.runningCount < this.maxNumSeqs) {
      const r = this.waiting.front();
      const tokens = s.promptTokens[r] + s.generated[r] - s.computed[r];
      // A recompute may exceed the budget (its output grew); it then runs alone so it can progress.
      if (tokens > budget && this.stepRequests > 0) break;
      const need = Math.ceil((s.computed[r] + tokens) / this.blockTokens) - s.blocks[r];
      if (need > this.freeBlocks) break;
      this.startRunning(s, r, tokens, need);
      budget -= tokens;
    }
    return this.stepRequests > 0;
  }

  /**
   * Holds `blocks` KV blocks outside any running request (disaggregated serving: a prefill
   * worker's blocks while its KV is on the wire, a decode worker's while it arrives), until
   * `returnBlocks`; the caller checks they are free.
   */
  takeBlocks(blocks: number): void {
    if (!(blocks >= 0 && blocks <= this.freeBlocks)) throw new RangeError(`takeBlocks: ${blocks} blocks asked for, ${this.freeBlocks} free`);
    this.freeBlocks -= blocks;
  }

  returnBlocks(blocks: number): void {
    this.freeBlocks += blocks;
  }

  /**
   * Runs request r from the next step on, decoding: its prompt's KV and first token came from a
   * prefill worker (disaggregated serving), so `s.computed[r]` tokens are already in the cache, in
   * the `s.blocks[r]` blocks the caller took for it. The caller keeps running requests within `maxNumSeqs`.
   */
  admitPrefilled(s: RequestStore, r: number): void {
    if (this.runningLength === this.slotRequest.length) this.compact();
    s.state[r] = RequestState.running;
    s.prefilled[r] = 1;
    const i = this.runningLength++;
    this.slotRequest[i] = r;
    const c = s.computed[r];
    // A decoding slot holds ceil(c / blockTokens) blocks and takes the next as it fills them: the
    // caller's blocks beyond that go back (the slot takes one again at its first decode if it needs it).
    this.freeBlocks += s.blocks[r] - Math.ceil(c / this.blockTokens);
    this.slotPhase[i] = DECODING;
    this.addDecoding(i, c, s.outputTokens[r] - s.generated[r]);
  }

  /** Applies the end of the step, at `endSeconds`; returns the output tokens it sampled. */
  commit(s: RequestStore, endSeconds: number): number {
    for (let j = 0; j < this.firstCount; j++) s.firstTokenSeconds[this.firstIds[j]] = endSeconds;
    for (let j = 0; j < this.finishedCount; j++) {
      const r = this.finishedIds[j];
      s.finishSeconds[r] = endSeconds;
      s.state[r] = RequestState.finished;
      this.freeBlocks += s.blocks[r] - this.cachedBlocks(s, r);
      s.blocks[r] = 0;
    }
    this.dead += this.finishedCount;
    this.firstCount = 0;
    this.stepRequests = 0;
    return this.stepSampled;
  }
}
