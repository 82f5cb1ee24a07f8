import { describe, expect, it } from 'vitest';
import { pointL1, pointL1Nearest } from './points.js';
import { closeTo, metricFixtures } from './fixtures/metric-fixtures.js';

describe('pointL1', () => {
  for (const c of metricFixtures.pointL1) {
    it(`matches the Python reference: ${c.name}`, () => {
      expect(closeTo(pointL1(c.pred, c.target, c.mask ?? undefined), c.expected)).toBe(true);
    });
  }

  it('computes a hand example and honours the mask', () => {
    expect(pointL1([[0, 0], [1, 1]], [[1, 0], [1, 3]])).toBeCloseTo((1 + 0 + 0 + 2) / 4);
    expect(pointL1([[0, 0], [1, 1]], [[1, 0], [1, 3]], [1, 0])).toBeCloseTo(0.5);
  });

  it('rejects bad input', () => {
    expect(() => pointL1([[0, 0]], [])).toThrow(/pred has 1 entries but target has 0/);
    expect(() => pointL1([[0, 0]], [[0]])).toThrow(/target\[0\] has 1 coordinates, expected 2/);
    expect(() => pointL1([[0, 0]], [[0, 0]], [2])).toThrow(/mask\[0\]/);
    expect(() => pointL1([[0, Infinity]], [[0, 0]])).toThrow(/finite/);
  });
});

describe('pointL1Nearest', () => {
  for (const c of metricFixtures.pointL1Nearest) {
    it(`matches the Python reference: ${c.name}`, () => {
      expect(closeTo(pointL1Nearest(c.pred, c.target, c.mask ?? undefined), c.expected)).toBe(true);
    });
  }

  it('takes the closest target for each predicted point', () => {
    // Predicted corners swapped relative to the targets: nearest matching makes the error 0.
    expect(pointL1Nearest([[[1, 1], [0, 0]]], [[[0, 0], [1, 1]]])).toBe(0);
  });
});
