import { tf } from '@vlalign/core';

/**
 * LaVIT's / DynamicViT's keep-ratio regulariser: `mean_b (rho - mean_i M_bi)^2`, the squared gap
 * between the target keep ratio `rho` and each image's fraction of kept tokens, averaged over the
 * batch. With `scope: 'batch'`: `(rho - mean_{b,i} M_bi)^2`, the gap of the whole batch's kept
 * fraction, so individual images may keep more or fewer tokens than `rho`.
 *
 * @param keep `[B, N]` keep decisions (0/1 straight-through values or soft probabilities)
 * @param rho target fraction of tokens to keep, in (0, 1]
 * @param scope `'image'` (default, LaVIT) or `'batch'`
 */
export function keepRatioLoss(keep: tf.Tensor2D, rho: number, scope: KeepRatioScope = 'image'): tf.Scalar {
  if (!(rho > 0 && rho <= 1)) throw new RangeError(`keepRatioLoss: rho must be in (0, 1], got ${rho}`);
  if (keep.rank !== 2) throw new Error(`keepRatioLoss: keep must be [B, N], got [${keep.shape}]`);
  if (scope !== 'image' && scope !== 'batch') throw new Error(`keepRatioLoss: scope must be 'image' or 'batch', got ${String(scope)}`);
  return tf.tidy(() => (scope === 'batch' ? tf.square(tf.sub(rho, tf.mean(keep))) : tf.mean(tf.square(tf.sub(rho, tf.mean(keep, 1))))) as tf.Scalar);
}

/** What {@link keepRatioLoss} pulls to rho: each image's kept fraction, or the batch's. */
export type KeepRatioScope = 'image' | 'batch';
