import { describe, expect, it } from 'vitest';
import { boxIoU, boxPrecisionAtIoU } from './boxes.js';
import { closeTo, metricFixtures } from './fixtures/metric-fixtures.js';

describe('boxIoU / boxPrecisionAtIoU', () => {
  const { pred, target, iou, precision } = metricFixtures.boxes;

  it('matches the Python reference IoUs', () => {
    pred.forEach((p, i) => expect(closeTo(boxIoU(p, target[i]), iou[i]), `box ${i}`).toBe(true));
  });

  it('matches the Python reference precision at several thresholds', () => {
    for (const [th, want] of Object.entries(precision)) {
      expect(closeTo(boxPrecisionAtIoU(pred, target, Number(th)), want)).toBe(true);
    }
  });

  it('computes hand examples; IoU exactly at the threshold does not count', () => {
    expect(boxIoU([0, 0, 10, 10], [5, 5, 15, 15])).toBeCloseTo(25 / 175);
    expect(boxIoU([0, 0, 10, 10], [0, 0, 10, 5])).toBe(0.5);
    expect(boxPrecisionAtIoU([[0, 0, 10, 10]], [[0, 0, 10, 5]])).toBe(0);
    expect(boxIoU([1, 1, 1, 1], [1, 1, 1, 1])).toBe(0);
  });

  it('rejects bad input', () => {
    expect(() => boxIoU([0, 0, -1, 2], [0, 0, 1, 1])).toThrow(/x0 <= x1/);
    expect(() => boxPrecisionAtIoU([[0, 0, 1, 1]], [])).toThrow(/pred has 1 entries but target has 0/);
    expect(() => boxPrecisionAtIoU([[0, 0, 1, 1]], [[0, 0, 1, 1]], 1)).toThrow(/threshold/);
    expect(() => boxIoU([0, 0, 1] as never, [0, 0, 1, 1])).toThrow(/box \[x0, y0, x1, y1\]/);
  });
});
