import { describe, expect, it } from 'vitest';
import { chair } from './chair.js';
import { closeTo, metricFixtures } from './fixtures/metric-fixtures.js';

describe('chair', () => {
  for (const c of metricFixtures.chair) {
    it(`matches the Python reference: ${c.name}`, () => {
      const got = chair(c.captions, c.objects, c.vocabulary);
      expect(got.mentioned).toEqual(c.expected.mentioned);
      expect(got.hallucinated).toEqual(c.expected.hallucinated);
      expect(got.mentionCount).toBe(c.expected.mentionCount);
      expect(got.hallucinationCount).toBe(c.expected.hallucinationCount);
      expect(closeTo(got.chairI, c.expected.chairI)).toBe(true);
      expect(closeTo(got.chairS, c.expected.chairS)).toBe(true);
    });
  }

  it('matches multi-word synonyms before single words and counts repeats', () => {
    const vocab = { dog: ['dogs'], 'hot dog': [], cat: ['cats'] };
    const r = chair(['a hot dog and two dogs', 'a cat and a cat'], [['hot dog'], ['dog']], vocab);
    expect(r.mentioned).toEqual([['hot dog', 'dog'], ['cat', 'cat']]);
    expect(r.hallucinated).toEqual([['dog'], ['cat', 'cat']]);
    expect(r.chairI).toBeCloseTo(3 / 4);
    expect(r.chairS).toBe(1);
    expect(chair([''], [[]], vocab)).toMatchObject({ chairI: 0, chairS: 0 });
  });

  it('rejects bad input', () => {
    expect(() => chair(['a'], [], { dog: [] })).toThrow(/captions has 1 entries but objectsPerImage has 0/);
    expect(() => chair(['a'], [[]], {})).toThrow(/vocabulary must be/);
    expect(() => chair(['a'], [[]], { dog: ['pup'], puppy: ['pup'] })).toThrow(/belongs to both/);
    expect(() => chair(['a'], [[]], { dog: ['!!'] })).toThrow(/no words/);
  });
});
