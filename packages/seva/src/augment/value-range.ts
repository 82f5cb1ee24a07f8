/** A pixel value range `[lo, hi]`; images from `imagesToTensor` are in `[-1, 1]`. */
export type ValueRange = readonly [number, number];

/** The range of `imagesToTensor` output. */
export const DEFAULT_VALUE_RANGE: ValueRange = [-1, 1];

/** Throws unless `range` is `[lo, hi]` with finite lo < hi. */
export function checkValueRange(range: ValueRange, fn: string): void {
  if (!Array.isArray(range) || range.length !== 2 || !(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1])) {
    throw new Error(`${fn}: valueRange must be [lo, hi] with finite lo < hi; got ${JSON.stringify(range)}`);
  }
}
