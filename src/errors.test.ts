import { describe, expect, it } from 'vitest';
import { ClusterTwinError, editDistance, nearestNames } from './errors.js';

describe('errors', () => {
  it('carry a code, a path and a sentence', () => {
    const e = new ClusterTwinError('not_divisible', 'gbs', 'global batch 10 is not divisible by 4');
    expect(e.code).toBe('not_divisible');
    expect(e.path).toBe('gbs');
    expect(e.message).toBe('gbs: global batch 10 is not divisible by 4');
  });
  it('suggest the nearest names', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearestNames('dgx-h10', ['dgx-a100-80g', 'dgx-h100', 'nd-h100-v5'])[0]).toBe('dgx-h100');
    expect(nearestNames('lama3-8b', ['llama3-8b', 'llama3-70b', 'gpt3-175b'])[0]).toBe('llama3-8b');
  });
});
