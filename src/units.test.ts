import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesShort, formatDuration, parseBytes, parseCount } from './units.js';

describe('parseCount', () => {
  it.each([
    ['300e9', 300e9],
    ['300B', 300e9],
    ['16M', 16e6],
    ['1.5k', 1500],
    ['1,024', 1024],
    ['15.6T', 15.6e12],
    [42, 42],
  ])('%s -> %d', (text, value) => expect(parseCount(text)).toBe(value));
  it('rejects text that is not a count', () => {
    expect(parseCount('lots')).toBeNaN();
    expect(parseCount('12 parsecs')).toBeNaN();
  });
});

describe('parseBytes', () => {
  it('reads sizes as nccl-tests writes them (binary)', () => {
    expect(parseBytes('1K')).toBe(1024);
    expect(parseBytes('64M')).toBe(64 * 1024 ** 2);
    expect(parseBytes('8G')).toBe(8 * 1024 ** 3);
    expect(parseBytes('64MiB')).toBe(64 * 1024 ** 2);
    expect(parseBytes('1KiB')).toBe(1024);
    expect(parseBytes('512')).toBe(512);
    expect(parseBytes('512B')).toBe(512);
    expect(parseBytes('x')).toBeNaN();
    expect(parseBytes('1Kx')).toBeNaN();
  });
  it('reads KB, MB, GB as decimal (SI), as they say', () => {
    expect(parseBytes('1KB')).toBe(1000);
    expect(parseBytes('64MB')).toBe(64e6);
    expect(parseBytes('8gb')).toBe(8e9);
  });
});

describe('formatting', () => {
  it('formats bytes and durations readably', () => {
    expect(formatBytes(80 * 1024 ** 3)).toBe('80.0 GiB');
    expect(formatBytesShort(64 * 1024 ** 2)).toBe('64M');
    expect(formatDuration(0.0184)).toBe('18.4 ms');
    expect(formatDuration(34 * 86400)).toBe('34.0 days');
  });
});
