import { describe, expect, it } from 'vitest';
import { bleu4 } from './bleu.js';
import { closeTo, metricFixtures } from './fixtures/metric-fixtures.js';

describe('bleu4', () => {
  for (const c of metricFixtures.bleu) {
    it(`matches the Python reference: ${c.name}`, () => {
      const got = bleu4(c.candidates, c.references) as unknown as Record<string, number | number[]>;
      for (const [key, want] of Object.entries(c.expected)) {
        if (Array.isArray(want)) {
          const arr = got[key] as number[];
          expect(arr.length, key).toBe(want.length);
          want.forEach((w, i) => expect(closeTo(arr[i], w), `${key}[${i}]: ${arr[i]} vs ${w}`).toBe(true));
        } else {
          expect(closeTo(got[key] as number, want), `${key}: ${got[key]} vs ${want}`).toBe(true);
        }
      }
    });
  }

  it('reproduces the hand-derived example (see the JSDoc)', () => {
    const r = bleu4(['the cat sat on the mat'], [['the cat is on the mat']]);
    expect(r.correct).toEqual([5, 3, 1, 0]);
    expect(r.guess).toEqual([6, 5, 4, 3]);
    expect(r.bleu1).toBeCloseTo(5 / 6, 8);
    expect(r.bleu2).toBeCloseTo(Math.SQRT1_2, 8);
    expect(r.bleu3).toBeCloseTo(0.5, 8);
    expect(r.bleu4).toBeCloseTo((0.125 * 1e-15 / 3) ** 0.25, 8);
    expect(r.brevityPenalty).toBeCloseTo(1, 8);
    // Candidate shorter than the reference: BP = exp(1 - 6/2).
    expect(bleu4(['the cat'], [['the cat sat on the mat']]).bleu1).toBeCloseTo(Math.exp(-2), 8);
  });

  it('uses a custom tokenizer when given', () => {
    const r = bleu4(['A|B'], [['A|B']], { tokenize: (s) => s.split('|') });
    expect(r.candidateLength).toBe(2);
    expect(() => bleu4(['a'], [['a']], { tokenize: (s) => [s, ' '] })).toThrow(/white-space/);
  });

  it('rejects bad input', () => {
    expect(() => bleu4(['a', 'b'], [['a']])).toThrow(/candidates has 2 entries but references has 1/);
    expect(() => bleu4([], [])).toThrow(/must not be empty/);
    expect(() => bleu4(['a'], [[]])).toThrow(/references\[0\] must be a non-empty/);
    expect(() => bleu4(['a'], [[3 as unknown as string]])).toThrow(/references\[0\]\[0\]/);
  });
});
