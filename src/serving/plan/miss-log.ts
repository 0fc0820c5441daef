/**
 * What the probes of one deployment have ruled out, carried across its batch limits. Two
 * monotonicities, assumed (they hold in the simulation as far as the tests look, not proven):
 * - At a fixed replica count a larger batch limit never delays a first token (a waiting request
 *   gets a slot sooner), and more replicas never raise latency. So a TTFT miss at limit B and r
 *   replicas is a miss at every limit up to B and every count up to r.
 * - At a fixed replica count a smaller batch limit never slows a token (fewer requests share a
 *   step). So a TPOT miss at limit B and r replicas is a miss at every limit from B up and every
 *   count up to r.
 * A plan uses this to raise a candidate's fewest replicas before probing it.
 */

export class MissLog {
  private readonly ttft: { maxBatch: number; replicas: number }[] = [];
  private readonly tpot: { maxBatch: number; replicas: number }[] = [];

  /** Records a probe that missed its TTFT targets, its TPOT targets, or both. */
  record(maxBatch: number, replicas: number, missed: { ttft: boolean; tpot: boolean }): void {
    if (missed.ttft) this.ttft.push({ maxBatch, replicas });
    if (missed.tpot) this.tpot.push({ maxBatch, replicas });
  }

  /** The fewest replicas not yet ruled out for a batch limit. */
  fewestNotRuledOut(maxBatch: number): number {
    let r = 1;
    for (const m of this.ttft) if (m.maxBatch >= maxBatch) r = Math.max(r, m.replicas + 1);
    for (const m of this.tpot) if (m.maxBatch <= maxBatch) r = Math.max(r, m.replicas + 1);
    return r;
  }
}
