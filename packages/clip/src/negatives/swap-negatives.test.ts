import { describe, expect, it } from 'vitest';
import { compileSwapGroups, swapOneWord, swappedNegatives } from './swap-negatives.js';

const SHAPES = [['circle', 'disc'], ['square', 'box'], 'triangle', 'star', ['cross', 'plus'], ['diamond', 'rhombus'], 'heart'];
const table = compileSwapGroups([SHAPES]);

/** A stream that returns the given numbers in order (then throws, so extra draws are caught). */
function stream(...values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('drew too many numbers');
    return values[i++];
  };
}

describe('swapOneWord', () => {
  it('replaces the chosen word by a word of another entry, keeping punctuation and case-insensitive matching', () => {
    // Hits: "circle" (0), "Box," (1). u=0.6 picks the 2nd hit; entry 1 (square/box) is skipped, so
    // other = floor(0.0 * 6) = 0 -> entry 0 (circle, disc); synonym floor(0.99 * 2) = 1 -> "disc".
    expect(swapOneWord('a red circle left of a blue Box, done', table, stream(0.6, 0.0, 0.99))).toBe('a red circle left of a blue disc, done');
    // First hit, "circle" (entry 0): other = floor(0.5 * 6) = 3 -> entry 4 (cross, plus), synonym 0.
    expect(swapOneWord('a red circle left of a blue box', table, stream(0.1, 0.5, 0.2))).toBe('a red cross left of a blue box');
  });

  it('never produces a synonym of the original word', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 300; i++) {
      const out = swapOneWord('a green disc', table, random)!;
      expect(out).toMatch(/^a green \S+$/);
      expect(['disc', 'circle']).not.toContain(out.split(' ')[2]);
    }
  });

  it('returns undefined without a swappable word but still draws 3 numbers', () => {
    const r = stream(0.5, 0.5, 0.5);
    expect(swapOneWord('nothing to see here', table, r)).toBeUndefined();
    expect(() => r()).toThrow(/too many/);
  });

  it('swappedNegatives makes perCaption copies per caption with a swappable word', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const out = swappedNegatives(['a red star', 'no shapes', 'a blue heart'], table, 2, random);
    expect(out).toHaveLength(4);
    expect(out.slice(0, 2).every((s) => s.startsWith('a red ') && s !== 'a red star')).toBe(true);
    expect(out.slice(2).every((s) => s.startsWith('a blue ') && s !== 'a blue heart')).toBe(true);
  });
});

describe('compileSwapGroups', () => {
  it('rejects groups with one entry, duplicated words and multi-word entries', () => {
    expect(() => compileSwapGroups([['circle']])).toThrow(/at least 2 entries/);
    expect(() => compileSwapGroups([['circle', ['square', 'Circle']]])).toThrow(/"circle" appears more than once/);
    expect(() => compileSwapGroups([['circle', 'red square']])).toThrow(/one word/);
  });
});
