import { describe, expect, it } from 'vitest';
import { zeroShotAccuracy } from './zero-shot-accuracy.js';
import { closeTo, metricFixtures } from './fixtures/metric-fixtures.js';

describe('zeroShotAccuracy', () => {
  for (const c of metricFixtures.zeroShot) {
    it(`matches the Python reference: ${c.name}`, () => {
      for (const [k, want] of Object.entries(c.expected)) {
        expect(closeTo(zeroShotAccuracy(c.logits, c.labels, Number(k)), want), `k=${k}`).toBe(true);
      }
    });
  }

  it('computes top-1 and top-2 by hand', () => {
    const logits = [
      [0.1, 0.7, 0.2],
      [0.5, 0.3, 0.2],
    ];
    expect(zeroShotAccuracy(logits, [1, 1])).toBe(0.5);
    expect(zeroShotAccuracy(logits, [1, 1], 2)).toBe(1);
    expect(zeroShotAccuracy(logits, [1, 1], 4)).toBeNaN();
  });

  it('rejects bad input', () => {
    expect(() => zeroShotAccuracy([[1, 2]], [0, 1])).toThrow(/labels/);
    expect(() => zeroShotAccuracy([[1, 2]], [2])).toThrow(/labels\[0\]/);
    expect(() => zeroShotAccuracy([[1, 2]], [0], 0)).toThrow(/k must be/);
  });
});
