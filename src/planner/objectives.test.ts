import { describe, expect, it } from 'vitest';
import { objectiveScore, parseObjective, tokensPerDollar } from './objectives.js';

const fast = { timeToTrainSeconds: 100, costUsd: 1000, tokensTrained: 1e9 };
const cheap = { timeToTrainSeconds: 400, costUsd: 500, tokensTrained: 1e9 };
const moreTokens = { timeToTrainSeconds: 400, costUsd: 600, tokensTrained: 1.5e9 };

describe('objectives', () => {
  it('rank the fast run first by time and the cheap run first by cost', () => {
    expect(objectiveScore('time', fast)).toBeLessThan(objectiveScore('time', cheap));
    expect(objectiveScore('cost', cheap)).toBeLessThan(objectiveScore('cost', fast));
  });
  it('tokens per dollar rewards the run that trains more per dollar, even when it costs more', () => {
    expect(tokensPerDollar(moreTokens)).toBeGreaterThan(tokensPerDollar(cheap));
    expect(objectiveScore('tokens-per-dollar', moreTokens)).toBeLessThan(objectiveScore('tokens-per-dollar', cheap));
    expect(objectiveScore('cost', cheap)).toBeLessThan(objectiveScore('cost', moreTokens));
  });
  it('rejects unknown objectives naming the allowed ones', () => {
    expect(parseObjective('cost')).toBe('cost');
    expect(() => parseObjective('speed')).toThrow(/allowed: time, cost, tokens-per-dollar/);
  });
});
