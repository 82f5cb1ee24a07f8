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
      expect(closeTo(got.coverage, c.expected.coverage)).toBe(true);
      expect(got.coveredCount).toBe(c.expected.coveredCount);
      expect(got.objectCount).toBe(c.expected.objectCount);
    });
  }

  it('matches multi-word synonyms before single words and counts repeats', () => {
    const vocab = { dog: ['dogs'], 'hot dog': [], cat: ['cats'] };
    const r = chair(['a hot dog and two dogs', 'a cat and a cat'], [['hot dog'], ['dog']], vocab);
    expect(r.mentioned).toEqual([['hot dog', 'dog'], ['cat', 'cat']]);
    expect(r.hallucinated).toEqual([['dog'], ['cat', 'cat']]);
    expect(r.chairI).toBeCloseTo(3 / 4);
    expect(r.chairS).toBe(1);
    expect(chair([''], [[]], vocab)).toMatchObject({ chairI: 0, chairS: 0, coverage: 0, objectCount: 0 });
  });

  it('coverage counts each present object once and skips images with nothing to name', () => {
    const vocab = { dog: ['dogs'], cat: ['cats'], bird: [] };
    // image 1: dog named twice, cat missed -> 1/2; image 2: only an out-of-vocabulary object -> skipped;
    // image 3: bird and cat both named (cat via its plural) -> 2/2. Mean (0.5 + 1) / 2.
    const r = chair(['a dog and a dog', 'a dog', 'cats and a bird'], [['dog', 'cat'], ['lamp'], ['bird', 'cat']], vocab);
    expect(r.coverage).toBeCloseTo(0.75);
    expect(r.coveredCount).toBe(3);
    expect(r.objectCount).toBe(4);
    // synonyms in the ground truth map to their canonical object
    expect(chair(['a dog'], [['dogs']], vocab).coverage).toBe(1);
  });

  it('rejects bad input', () => {
    expect(() => chair(['a'], [], { dog: [] })).toThrow(/captions has 1 entries but objectsPerImage has 0/);
    expect(() => chair(['a'], [[]], {})).toThrow(/vocabulary must be/);
    expect(() => chair(['a'], [[]], { dog: ['pup'], puppy: ['pup'] })).toThrow(/belongs to both/);
    expect(() => chair(['a'], [[]], { dog: ['!!'] })).toThrow(/no words/);
  });
});
