import { describe, expect, it } from 'vitest';
import { CiderDScorer, ciderD } from './cider-d.js';
import { closeTo, metricFixtures } from './fixtures/metric-fixtures.js';

describe('ciderD', () => {
  for (const c of metricFixtures.cider) {
    it(`matches the Python reference: ${c.name}`, () => {
      const options = { n: c.n, sigma: c.sigma };
      const got = c.trainCorpus
        ? new CiderDScorer(c.trainCorpus, options).score(c.candidates, c.references)
        : ciderD(c.candidates, c.references, options);
      expect(closeTo(got.score, c.expected.score), `${got.score} vs ${c.expected.score}`).toBe(true);
      c.expected.scores.forEach((w, i) => expect(closeTo(got.scores[i], w), `scores[${i}]`).toBe(true));
    });
  }

  it('gives the hand-derived 5 for exact two-word matches with unique n-grams', () => {
    expect(ciderD(['a b', 'c d'], [['a b'], ['c d']]).scores).toEqual([5, 5]);
  });

  it('accepts precomputed document frequencies (same result as counting them)', () => {
    const train = [['a red circle', 'the red circle'], ['a blue square'], ['a small green triangle']];
    const counted = new CiderDScorer(train);
    const given = ciderD(['a red square', 'blue circle'], [['a red square'], ['the blue circle']], {
      documentFrequencies: counted.documentFrequencies,
    });
    const direct = counted.score(['a red square', 'blue circle'], [['a red square'], ['the blue circle']]);
    expect(given).toEqual(direct);
    expect(counted.documentFrequencies.counts.get('red circle')).toBe(1);
    expect(counted.documentFrequencies.counts.get('a')).toBe(3);
    // Scoring again hits the reference cache and must not change anything.
    expect(counted.scoreOne('a red square', ['a red square'])).toBe(direct.scores[0]);
  });

  it('rejects bad input', () => {
    expect(() => ciderD(['a'], [['a'], ['b']])).toThrow(/candidates has 1 entries but references has 2/);
    expect(() => ciderD(['a'], [[]])).toThrow(/non-empty/);
    expect(() => ciderD(['a'], [['a']], { sigma: 0 })).toThrow(/sigma/);
    expect(() => ciderD(['a'], [['a']], { n: 0 })).toThrow(/options.n/);
    expect(() => new CiderDScorer({ counts: new Map([['a', 3]]), numDocuments: 2 })).toThrow(/\[0, 2\]/);
    expect(() => new CiderDScorer([])).toThrow(/at least one document/);
  });
});
