/**
 * One iteration of an LLM serving engine, as the step model times it and the serving simulation
 * builds it: under continuous batching every running request either decodes one token or feeds a
 * chunk of its prompt (chunked prefill), and all of them share one forward pass.
 */

/** The shape of one forward pass of a serving replica. */
export interface BatchShape {
  /** Prompt tokens processed this step, over every request that is prefilling (chunks included). */
  prefillTokens: number;
  /** Requests prefilling this step (each feeds its chunk). */
  prefillRequests: number;
  /**
   * Tokens each prefilling request already holds in the KV cache before its chunk (0 for a whole
   * prompt at once), summed over them: a chunk attends to them as well as to itself.
   */
  prefillPriorTokens: number;
  /** Requests decoding one token this step. */
  decodeRequests: number;
  /** KV-cache tokens the decoding requests attend to, summed over them. */
  decodeContextTokens: number;
}

/** A step with nothing in it. */
export const EMPTY_BATCH: BatchShape = { prefillTokens: 0, prefillRequests: 0, prefillPriorTokens: 0, decodeRequests: 0, decodeContextTokens: 0 };

/** What a replica's engine costs per step, as the serving simulation sees it. */
export interface StepTimer {
  /** Wall-clock seconds of one step of this shape (above 0 for any non-empty batch). */
  stepSeconds(batch: BatchShape): number;
}
