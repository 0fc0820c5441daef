/**
 * Where a simulation's requests come from, one at a time: an open table read in order, or a
 * closed loop whose clients each send their next request a think time after their last one ends.
 * Shared by the replica simulation (`runServing`) and the disaggregated one.
 */
import { checkLengths, lengthSampler, type Workload } from './arrivals.js';
import { seededRng } from '../reliability/prng.js';

export class ArrivalSource {
  private readonly table;
  private tableNext = 0;
  private readonly tableCount: number;
  private readonly sends: number[] = [];
  private sendsHead = 0;
  private issued = 0;
  private readonly issueLimit: number;
  private readonly thinkSeconds: number;
  private readonly promptOf: () => number;
  private readonly outputOf: () => number;

  constructor(workload: Workload, untilSeconds: number) {
    this.table = workload.kind === 'open' ? workload.requests : null;
    this.tableCount = this.table ? this.table.arrivalSeconds.length : 0;
    if (workload.kind === 'closed') {
      if (!(Number.isInteger(workload.concurrency) && workload.concurrency >= 1)) throw new RangeError(`concurrency: must be a whole number >= 1 (got ${workload.concurrency})`);
      checkLengths('prompt', workload.prompt);
      checkLengths('output', workload.output);
      this.issueLimit = workload.requests ?? Infinity;
      if (!Number.isFinite(this.issueLimit) && !Number.isFinite(untilSeconds)) throw new RangeError('untilSeconds: a closed loop with no request limit needs an end time');
      this.thinkSeconds = workload.thinkSeconds ?? 0;
      if (!(this.thinkSeconds >= 0)) throw new RangeError(`thinkSeconds: must be >= 0 (got ${this.thinkSeconds})`);
      const rng = seededRng(workload.seed);
      this.promptOf = lengthSampler(workload.prompt, rng);
      this.outputOf = lengthSampler(workload.output, rng);
      for (let i = 0; i < workload.concurrency && this.issued < this.issueLimit; i++, this.issued++) this.sends.push(0);
    } else {
      this.issueLimit = 0;
      this.thinkSeconds = 0;
      this.promptOf = () => 0;
      this.outputOf = () => 0;
    }
  }

  /** Requests the table holds (0 for a closed loop): a size hint for the request store. */
  get tableSize(): number {
    return this.tableCount;
  }

  /** When the next request arrives (Infinity: none is due). */
  nextSeconds(): number {
    if (this.table) return this.tableNext < this.tableCount ? this.table.arrivalSeconds[this.tableNext] : Infinity;
    return this.sendsHead < this.sends.length ? this.sends[this.sendsHead] : Infinity;
  }

  /** Takes the next request: its arrival time and lengths. */
  take(): { arrivalSeconds: number; promptTokens: number; outputTokens: number } {
    if (this.table) {
      const i = this.tableNext++;
      return { arrivalSeconds: this.table.arrivalSeconds[i], promptTokens: this.table.promptTokens[i], outputTokens: this.table.outputTokens[i] };
    }
    return { arrivalSeconds: this.sends[this.sendsHead++], promptTokens: this.promptOf(), outputTokens: this.outputOf() };
  }

  /** A request ended (finished or turned away) at time t: in a closed loop its client sends the next. */
  done(t: number): void {
    if (this.table || this.issued >= this.issueLimit) return;
    this.issued++;
    this.sends.push(t + this.thinkSeconds);
  }
}
