import { describe, expect, it } from 'vitest';
import { recallAtK } from './recall-at-k.js';
import { closeTo, metricFixtures } from './fixtures/metric-fixtures.js';

describe('recallAtK', () => {
  for (const c of metricFixtures.recall) {
    for (const ties of ['index', 'optimistic', 'pessimistic'] as const) {
      it(`matches the Python reference: ${c.name} (ties=${ties})`, () => {
        const got = recallAtK(c.similarity, c.ks, c.textToImage, { ties });
        const want = c.expected[ties];
        expect(got.imageToTextRanks).toEqual(want.imageToTextRanks);
        expect(got.textToImageRanks).toEqual(want.textToImageRanks);
        for (const k of c.ks) {
          expect(closeTo(got.imageToText[k], want.imageToText[String(k)])).toBe(true);
          expect(closeTo(got.textToImage[k], want.textToImage[String(k)])).toBe(true);
        }
        expect(got.imageToTextMeanRank).toBeCloseTo(want.imageToTextMeanRank, 12);
        expect(got.textToImageMeanRank).toBeCloseTo(want.textToImageMeanRank, 12);
        expect(got.imageToTextMedianRank).toBe(want.imageToTextMedianRank);
        expect(got.textToImageMedianRank).toBe(want.textToImageMedianRank);
      });
    }
  }

  it('accepts a flat buffer with a shape and defaults to the diagonal', () => {
    const rows = [
      [0.9, 0.1, 0.3],
      [0.2, 0.1, 0.8],
      [0.0, 0.5, 0.4],
    ];
    const flat = recallAtK({ data: Float32Array.from(rows.flat()), shape: [3, 3] }, [1, 2]);
    const nested = recallAtK(rows, [1, 2], [0, 1, 2]);
    expect(flat.imageToText).toEqual(nested.imageToText);
    // image 0 -> text 0 rank 1; image 1 -> text 1 rank 3; image 2 -> text 2 rank 2.
    expect(nested.imageToTextRanks).toEqual([1, 3, 2]);
    expect(nested.imageToText[1]).toBeCloseTo(1 / 3);
    expect(nested.imageToTextMedianRank).toBe(2);
  });

  it('does not reward constant scores with the default tie rule', () => {
    const r = recallAtK([[0, 0], [0, 0]], [1]);
    expect(r.imageToText[1]).toBe(0.5);
    expect(recallAtK([[0, 0], [0, 0]], [1], undefined, { ties: 'optimistic' }).imageToText[1]).toBe(1);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => recallAtK([[1, 2], [3]], [1])).toThrow(/rectangular/);
    expect(() => recallAtK([[1, 2, 3]], [1])).toThrow(/textToImage/);
    expect(() => recallAtK([[1, 2], [3, 4]], [1], [0])).toThrow(/one image index per text/);
    expect(() => recallAtK([[1, 2], [3, 4]], [1], [0, 0])).toThrow(/image 1 has no text/);
    expect(() => recallAtK([[1, 2], [3, 4]], [0])).toThrow(/ks\[0\]/);
    expect(() => recallAtK([[1, Number.NaN], [3, 4]], [1])).toThrow(/finite/);
    expect(() => recallAtK([], [1])).toThrow(/at least one row/);
    expect(() => recallAtK({ data: [1, 2, 3], shape: [2, 2] }, [1])).toThrow(/needs 4/);
  });
});
