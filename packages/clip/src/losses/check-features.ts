import { tf } from '@vlalign/core';

/**
 * Throws a clear error unless `image` and `text` are float matrices of the same shape [N, D]
 * with N >= 1 (the contrastive losses pair row i of one with row i of the other).
 */
export function checkFeaturePair(image: tf.Tensor, text: tf.Tensor, fn: string): void {
  if (image.rank !== 2 || text.rank !== 2) {
    throw new Error(`${fn}: imageFeatures and textFeatures must be [N, D] matrices; got shapes [${image.shape}] and [${text.shape}]`);
  }
  if (image.shape[0] !== text.shape[0] || image.shape[1] !== text.shape[1]) {
    throw new Error(
      `${fn}: imageFeatures [${image.shape}] and textFeatures [${text.shape}] must have the same shape (row i of each is a positive pair)`,
    );
  }
  if (image.shape[0] < 1) throw new Error(`${fn}: the batch is empty (N = 0)`);
}

/** A number or scalar tensor as a scalar tensor (tensors pass through so gradients reach them). */
export function asScalar(value: number | tf.Scalar, fn: string, field: string): tf.Scalar {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${fn}: ${field} must be a finite number; got ${value}`);
    return tf.scalar(value);
  }
  if (value.rank !== 0) throw new Error(`${fn}: ${field} must be a scalar; got shape [${value.shape}]`);
  return value;
}
