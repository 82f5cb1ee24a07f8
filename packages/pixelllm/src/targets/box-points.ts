import type { Box } from '@vlalign/core';

/** A point `[x, y]`. */
export type Point = [number, number];

/** A box's 2-point target: top-left `(x0, y0)` and bottom-right `(x1, y1)`. */
export function boxToPoints(box: Box): [Point, Point] {
  return [
    [box[0], box[1]],
    [box[2], box[3]],
  ];
}

/**
 * The box spanned by predicted points (min / max of their coordinates, as PixelLLM forms the
 * referring box from the last token's 2 points), clamped to `[lo, hi]` (default the normalised
 * image, [0, 1]).
 */
export function pointsToBox(points: readonly (readonly number[])[], lo = 0, hi = 1): Box {
  if (points.length === 0) throw new Error('pointsToBox: got no points');
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  const xs = points.map((p) => clamp(p[0]));
  const ys = points.map((p) => clamp(p[1]));
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
