/**
 * One replica's continuous-batching scheduler, after vLLM's. Each step it decides which requests
 * run and how many tokens each feeds; the replica simulation times the step and commits it.
 *
 * Two policies:
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
 *   preempting the newest when blocks run out.
 * - `prefill-batches` (SGLang's default, `enable_mixed_chunk` off): a step is either a prefill
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
 * For speed a step's token accounting is applied as the step is built (one pass over the running
 * requests a step, which is the whole cost of a long run); what the step's end makes visible
 * (first-token and finish times, finished requests' blocks freed) waits for `commit`. Finished
 * requests leave the running list lazily, on the next pass.
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

export class ReplicaScheduler {
  readonly blockTokens: number;
  readonly totalBlocks: number;
  readonly maxNumSeqs: number;
  readonly maxBatchedTokens: number;
  readonly policy: SchedulerPolicy;
  /** Blocks of the shared prefix, resident from the start (0 without prefix caching). */
  readonly prefixBlocks: number;
  freeBlocks: number;
  /** Running requests in admission order (the newest last: the one preempted first), finished ones not yet dropped among them. */
  private running: Int32Array;
  private runningLength = 0;
  /** Finished requests still in `running`, dropped on the next pass. */
  private dead = 0;
  readonly waiting = new IntDeque();
  /** Requests in the step being built or run. */
  private stepRequests = 0;
  /** Tokens the step samples when it ends. */
  private stepSampled = 0;
  /** Requests whose first token, and requests whose last, the step samples. */
  private firstIds: Int32Array;
  private firstCount = 0;
  /** Requests that finished in the last commit (valid until the next schedule). */
  readonly finishedIds: Int32Array;
  finishedCount = 0;
  /** Whether some running request may be part-way through its prompt (set when a chunk leaves one so). */
  private partial = false;
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
    // Dead entries ride along for one pass at most, so the list never holds more than twice the limit.
    this.running = new Int32Array(2 * this.maxNumSeqs);
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

  /** Adds request r feeding `tokens` to the step, outside the hot loop (admissions). */
  private plan(s: RequestStore, r: number, tokens: number): void {
    const b = this.batch;
    b.prefillRequests++;
    b.prefillTokens += tokens;
    b.prefillPriorTokens += s.computed[r];
    this.stepRequests++;
    const c = (s.computed[r] += tokens);
    if (c === s.promptTokens[r] + s.generated[r]) this.sample(s, r);
    else this.partial = true;
  }

  /** Request r samples a token at the end of this step. */
  private sample(s: RequestStore, r: number): void {
    s.prefilled[r] = 1;
    const g = ++s.generated[r];
    this.stepSampled++;
    if (g === 1) this.firstIds[this.firstCount++] = r;
    if (g >= s.outputTokens[r]) this.finishedIds[this.finishedCount++] = r;
  }

  private preemptNewest(s: RequestStore): number {
    let victim = this.running[--this.runningLength];
    while (s.state[victim] === RequestState.finished) {
      this.dead--;
      victim = this.running[--this.runningLength];
    }
    // It recomputes all but its cached prefix, which stays resident (shared, never its to free).
    const cached = this.cachedBlocks(s, victim);
    this.freeBlocks += s.blocks[victim] - cached;
    s.blocks[victim] = cached;
    s.computed[victim] = cached * this.blockTokens;
    s.prefilled[victim] = 0;
    s.state[victim] = RequestState.waiting;
    s.preemptions[victim]++;
    this.preemptions++;
    this.waiting.pushFront(victim);
    return victim;
  }

  /** Serves running requests in order within the budget, dropping finished ones; returns the budget left. */
  private scheduleRunning(s: RequestStore, budget: number, prefillOnly = false): number {
    // The hot loop of a long run (every running request, every step): arrays held in locals,
    // and a decode that stays inside its last block costs no division.
    const B = this.blockTokens;
    const running = this.running;
    const state = s.state;
    const computed = s.computed;
    const generated = s.generated;
    const output = s.outputTokens;
    const blocks = s.blocks;
    const prefilled = s.prefilled;
    const FINISHED = RequestState.finished;
    const finishedIds = this.finishedIds;
    let finishedCount = this.finishedCount;
    let decodes = 0;
    let decodeContext = 0;
    let free = this.freeBlocks;
    let w = 0;
    let i = 0;
    for (; i < this.runningLength && budget > 0; i++) {
      const r = running[i];
      if (state[r] === FINISHED) {
        this.dead--;
        continue;
      }
      const c = computed[r];
      const decoding = prefilled[r] === 1;
      if (decoding && prefillOnly) {
        running[w++] = r;
        continue;
      }
      const tokens = decoding ? 1 : Math.min(s.promptTokens[r] + generated[r] - c, budget);
      const held = blocks[r];
      const need = c + tokens > held * B ? Math.ceil((c + tokens) / B) - held : 0;
      if (need > free) {
        this.freeBlocks = free;
        this.finishedCount = finishedCount;
        let selfPreempted = false;
        while (need > this.freeBlocks) {
          if (this.preemptNewest(s) === r) {
            selfPreempted = true;
            break;
          }
        }
        free = this.freeBlocks;
        finishedCount = this.finishedCount;
        if (selfPreempted) break;
      }
      free -= need;
      blocks[r] = held + need;
      running[w++] = r;
      budget -= tokens;
      if (decoding) {
        decodes++;
        decodeContext += c + 1;
        computed[r] = c + 1;
        const g = generated[r] + 1;
        generated[r] = g;
        if (g >= output[r]) finishedIds[finishedCount++] = r;
      } else {
        this.freeBlocks = free;
        this.finishedCount = finishedCount;
        this.plan(s, r, tokens);
        finishedCount = this.finishedCount;
      }
    }
    this.freeBlocks = free;
    this.finishedCount = finishedCount;
    this.stepSampled += decodes;
    // The budget ran out: the rest keep their places, unserved this step.
    if (i < this.runningLength && w < i) running.copyWithin(w, i, this.runningLength);
    this.runningLength = w + Math.max(0, this.runningLength - i);
    this.stepRequests += decodes;
    this.batch.decodeRequests += decodes;
    this.batch.decodeContextTokens += decodeContext;
    return budget;
  }

  /** Drops finished requests from the running list (prefill-only steps leave them in place). */
  private compact(s: RequestStore): void {
    let w = 0;
    for (let i = 0; i < this.runningLength; i++) {
      const r = this.running[i];
      if (s.state[r] !== RequestState.finished) this.running[w++] = r;
    }
    this.runningLength = w;
    this.dead = 0;
  }

  private startRunning(s: RequestStore, r: number, tokens: number, blocks: number): void {
    if (this.runningLength === this.running.length) this.compact(s);
    this.waiting.popFront();
    this.freeBlocks -= blocks;
    s.blocks[r] += blocks;
    s.state[r] = RequestState.running;
    this.running[this.runningLength++] = r;
    this.plan(s, r, tokens);
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
    // Without a part-prefilled prompt or a waiting request there is nothing to prefill (and no pass to make).
    if (this.waiting.length === 0 && !this.partial) return false;
    this.partial = false;
    const before = this.preemptions;
    const left = this.scheduleRunning(s, this.maxBatchedTokens, true);
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
   * Takes `blocks` free KV blocks out of the scheduler's hands (a KV transfer holds them) until
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
    if (this.runningLength === this.running.length) this.compact(s);
    s.state[r] = RequestState.running;
    s.prefilled[r] = 1;
    this.running[this.runningLength++] = r;
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
