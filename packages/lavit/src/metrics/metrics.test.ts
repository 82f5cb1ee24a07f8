import { describe, expect, it } from 'vitest';
import { codebookUsage } from './codebook-usage.js';
import { averageRanks, spearman } from './spearman.js';

describe('spearman', () => {
  it('average ranks for ties, as scipy.stats.rankdata', () => {
    expect(averageRanks([10, 20, 10, 30])).toEqual([1.5, 3, 1.5, 4]);
  });
  it('hand-computed: x = [1, 2, 3, 4], y = [1, 3, 2, 4] -> 1 - 6*2/(4*15) = 0.8', () => {
    expect(spearman([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });
});

describe('codebookUsage', () => {
  it('usage fraction and exp-entropy perplexity', () => {
    // codes 0,0,1,2 of 8: p = (1/2, 1/4, 1/4), H = 1.5 ln 2, perplexity 2^1.5.
    const u = codebookUsage([[0, 0], [1, 2]], 8);
    expect(u.usage).toBe(3 / 8);
    expect(u.perplexity).toBeCloseTo(2 ** 1.5, 10);
    expect(u.tokens).toBe(4);
    expect(() => codebookUsage([[9]], 8)).toThrow(/outside/);
  });
});
