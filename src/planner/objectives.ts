/**
 * What the planner optimizes. Every objective is turned into a score where
 * lower is better, so one comparison ranks them all.
 */
import { invalid } from '../errors.js';

export const OBJECTIVES = ['time', 'cost', 'tokens-per-dollar'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** The run-level figures an objective reads. */
export interface RunFigures {
  timeToTrainSeconds: number;
  costUsd: number;
  /** Tokens the run trains (whole steps, so at least the budget). */
  tokensTrained: number;
}

/** Tokens trained per dollar. */
export const tokensPerDollar = (r: RunFigures): number => r.tokensTrained / r.costUsd;

/** Lower is better: seconds, dollars, or dollars per token. */
export function objectiveScore(objective: Objective, r: RunFigures): number {
  switch (objective) {
    case 'time':
      return r.timeToTrainSeconds;
    case 'cost':
      return r.costUsd;
    case 'tokens-per-dollar':
      return r.costUsd / r.tokensTrained;
  }
}

export function parseObjective(text: string, path = '--objective'): Objective {
  if ((OBJECTIVES as readonly string[]).includes(text)) return text as Objective;
  throw invalid(path, `unknown objective "${text}"; allowed: ${OBJECTIVES.join(', ')}`);
}
