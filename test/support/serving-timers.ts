/**
 * Test doubles for the serving simulation's StepTimer: simple formulas that make a test's
 * expectation easy to work out by hand. They are not a step model and never ship (the real one
 * is the inference step model of issue #14, item 1).
 */
import type { BatchShape, StepTimer } from '../../src/serving/batch.js';

/** Every step takes the same time, whatever is in it. */
export function constantTimer(seconds: number): StepTimer {
  return { stepSeconds: () => seconds };
}

/** seconds = base + perToken x (prefill + decode tokens) + perContextToken x (tokens attended to). */
export function linearTimer(baseSeconds: number, perTokenSeconds: number, perContextTokenSeconds = 0): StepTimer {
  return {
    stepSeconds: (b: BatchShape) =>
      baseSeconds + perTokenSeconds * (b.prefillTokens + b.decodeRequests) + perContextTokenSeconds * (b.decodeContextTokens + b.prefillPriorTokens),
  };
}
