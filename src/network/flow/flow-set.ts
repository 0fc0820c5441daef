/**
 * A set of flows that run at the same time: each a path of link ids and the
 * bytes it carries (per byte of the collective's message). Stored flat, so a
 * collective across 16,384 GPUs is a few typed arrays, not a million objects.
 */
export class FlowSet {
  /** Concatenated link ids of every path. */
  readonly links: number[] = [];
  /** Start of each flow's path in `links` (one more entry than flows). */
  readonly offsets: number[] = [0];
  /** Bytes each flow carries per byte of message. */
  readonly weights: number[] = [];

  get size(): number {
    return this.weights.length;
  }

  /** Adds a flow whose path was appended to `links` since the last add. */
  close(weight: number): void {
    this.offsets.push(this.links.length);
    this.weights.push(weight);
  }
}
