import { describe, expect, it } from 'vitest';
import { perplexity, perplexityFromLogProbs } from './perplexity.js';
import { closeTo, metricFixtures } from './fixtures/metric-fixtures.js';

describe('perplexity', () => {
  const f = metricFixtures.perplexity;

  it('matches the Python reference', () => {
    expect(closeTo(perplexity(f.totalNll, f.tokenCount), f.fromTotals)).toBe(true);
    expect(closeTo(perplexityFromLogProbs(f.logProbs), f.fromLogProbs)).toBe(true);
  });

  it('is the vocabulary size for a uniform model and 1 for a certain one', () => {
    expect(perplexityFromLogProbs([[Math.log(1 / 50), Math.log(1 / 50)], [Math.log(1 / 50)]])).toBeCloseTo(50, 10);
    expect(perplexityFromLogProbs([[0, 0]])).toBe(1);
  });

  it('rejects bad input', () => {
    expect(() => perplexity(1, 0)).toThrow(/tokenCount must be > 0/);
    expect(() => perplexity(-1, 2)).toThrow(/totalNll must be >= 0/);
    expect(() => perplexityFromLogProbs([[], []])).toThrow(/no tokens/);
    expect(() => perplexityFromLogProbs([[0.5]])).toThrow(/log-probability > 0/);
    expect(() => perplexityFromLogProbs([])).toThrow(/must not be empty/);
  });
});
