import { describe, expect, it } from 'vitest';
import { alignTokensToWords } from './align-tokens.js';

describe('alignTokensToWords', () => {
  it('is the identity when tokens and words coincide', () => {
    expect(alignTokensToWords(5, 5)).toEqual([0, 1, 2, 3, 4]);
  });

  it('spreads more tokens than words proportionally, first to first and last to last', () => {
    // 6 tokens over 3 words: by hand, token positions rescaled onto [1/3, 1] are
    // 1/3, 7/15, 3/5, 11/15, 13/15, 1 -> nearest of {1/3, 2/3, 1}: 0, 0, 1, 1, 2, 2.
    expect(alignTokensToWords(6, 3)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('skips words when there are fewer tokens', () => {
    const a = alignTokensToWords(2, 4);
    expect(a[0]).toBe(0);
    expect(a[1]).toBe(3);
  });

  it('handles one token and rejects nonsense', () => {
    expect(alignTokensToWords(1, 3)).toEqual([2]);
    expect(alignTokensToWords(0, 3)).toEqual([]);
    expect(() => alignTokensToWords(2, 0)).toThrow(/numWords/);
  });
});
