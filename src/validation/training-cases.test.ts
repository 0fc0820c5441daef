import { describe, expect, it } from 'vitest';
import { parseTrainingGroups } from './training-cases.js';

const group = (over: Record<string, unknown> = {}) => ({
  name: 'g',
  description: 'd',
  source: 'a source',
  metric: 'stepTimeSeconds',
  softwareYear: 2024,
  bound: 0.1,
  defaults: {},
  cases: [{ id: 'c', config: 'c', scenario: {}, measured: 1 }],
  ...over,
});

describe('validation/training.yaml', () => {
  it('takes a group with the year of its software', () => {
    expect(parseTrainingGroups({ groups: [group()] })[0].softwareYear).toBe(2024);
  });
  it('refuses a group without the year of its software, naming the field', () => {
    const { softwareYear: _, ...without } = group();
    expect(() => parseTrainingGroups({ groups: [without] })).toThrow(/softwareYear/);
    expect(() => parseTrainingGroups({ groups: [group({ softwareYear: 2024.5 })] })).toThrow(/softwareYear/);
  });
});
