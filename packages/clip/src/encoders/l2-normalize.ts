import { tf } from '@vlalign/core';

/**
 * Scales each row of `x` to unit L2 norm: `x / max(‖x‖, eps)` (PyTorch's `F.normalize`).
 * Differentiable everywhere, including at an all-zero row (where `tf.norm`'s gradient is NaN).
 */
export function l2Normalize<T extends tf.Tensor>(x: T, eps = 1e-12): T {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), eps * eps))) as T);
}
