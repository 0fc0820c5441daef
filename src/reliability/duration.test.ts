import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from './duration.js';

describe('parseDurationSeconds', () => {
  it.each([
    ['600', 600],
    ['45s', 45],
    ['20m', 1200],
    ['20 min', 1200],
    ['1.5h', 5400],
    ['2d', 172_800],
    ['1w', 604_800],
    [90, 90],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', 'soon', '10 parsecs', '-5m', '1h30m'])('rejects %j', (text) => {
    expect(parseDurationSeconds(text)).toBeNaN();
  });
});
