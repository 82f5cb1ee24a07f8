import type { Box } from '../data/types.js';
import { checkFinite, checkNonEmptyArray, checkSameLength, metricError } from './checks.js';

/**
 * Intersection over union of two axis-aligned boxes `[x0, y0, x1, y1]` (continuous coordinates,
 * area = (x1 - x0)(y1 - y0), so the pixel convention "x1 exclusive" gives the pixel count).
 * Two zero-area boxes have IoU 0.
 * @throws when a box is not 4 finite numbers with x0 <= x1 and y0 <= y1.
 */
export function boxIoU(a: Box, b: Box): number {
  checkBox('boxIoU', 'a', a);
  checkBox('boxIoU', 'b', b);
  return iou(a, b);
}

/**
 * Referring-expression localisation precision, "P@0.5" (RefCOCO protocol): the fraction of
 * predicted boxes whose IoU with their target is strictly greater than `threshold`
 * (PixelLLM / RefCOCO: IoU > 0.5).
 *
 * @param pred Predicted box per expression.
 * @param target Ground-truth box per expression.
 * @param threshold IoU threshold in [0, 1) (default 0.5).
 * @throws on a length mismatch, empty input, invalid boxes or threshold.
 */
export function boxPrecisionAtIoU(pred: readonly Box[], target: readonly Box[], threshold = 0.5): number {
  const metric = 'boxPrecisionAtIoU';
  checkNonEmptyArray(metric, 'pred', pred);
  checkSameLength(metric, 'pred', pred, 'target', target);
  checkFinite(metric, 'threshold', threshold);
  if (threshold < 0 || threshold >= 1) metricError(metric, `threshold must be in [0, 1), got ${threshold}`);
  let hits = 0;
  pred.forEach((p, i) => {
    checkBox(metric, `pred[${i}]`, p);
    checkBox(metric, `target[${i}]`, target[i]);
    if (iou(p, target[i]) > threshold) hits++;
  });
  return hits / pred.length;
}

function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

function checkBox(metric: string, name: string, box: unknown): void {
  if (!Array.isArray(box) || box.length !== 4) metricError(metric, `${name} must be a box [x0, y0, x1, y1]`);
  box.forEach((v, i) => checkFinite(metric, `${name}[${i}]`, v));
  if (box[2] < box[0] || box[3] < box[1]) metricError(metric, `${name} = [${box.join(', ')}] must have x0 <= x1 and y0 <= y1`);
}
