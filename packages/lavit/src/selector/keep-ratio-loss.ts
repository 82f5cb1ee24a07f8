import { tf } from '@vlalign/core';

/**
 * LaVIT's / DynamicViT's keep-ratio regulariser: `mean_b (rho - mean_i M_bi)^2`, the squared gap
 * between the target keep ratio `rho` and each image's fraction of kept tokens, averaged over the
 * batch.
 *
 * @param keep `[B, N]` keep decisions (0/1 straight-through values or soft probabilities)
 * @param rho target fraction of tokens to keep, in (0, 1]
 */
export function keepRatioLoss(keep: tf.Tensor2D, rho: number): tf.Scalar {
  if (!(rho > 0 && rho <= 1)) throw new RangeError(`keepRatioLoss: rho must be in (0, 1], got ${rho}`);
  if (keep.rank !== 2) throw new Error(`keepRatioLoss: keep must be [B, N], got [${keep.shape}]`);
  return tf.tidy(() => tf.mean(tf.square(tf.sub(rho, tf.mean(keep, 1)))) as tf.Scalar);
}
