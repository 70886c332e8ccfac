import { describe, expect, it } from 'vitest';
import { formatConfigDuration, formatDuration, parseDuration } from '../../src/core/config/duration.ts';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
  ])('%s is %i ms and is written back the same way', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(formatConfigDuration(ms)).toBe(text);
  });

  it('rejects malformed text', () => {
    for (const text of ['', 'soon', '30', '1h 30m', '-5m']) expect(parseDuration(text)).toBeUndefined();
  });

  it('formats for people', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(5_400_000)).toBe('1 h 30 min');
  });
});
