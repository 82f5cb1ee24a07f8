import { tf } from '@vlalign/core';

/** Smallest norm used when normalising, so an all-zero row maps to zeros instead of NaN (as `F.normalize`'s eps). */
export const L2_EPS = 1e-12;

/** Rows of `x` (`[..., d]`) scaled to unit L2 norm (`x / max(||x||, eps)`, like `torch.nn.functional.normalize`). */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), L2_EPS)) as T);
}
