import { tf } from '@vlalign/core';

/**
 * The merger's self-attention mask `[B, 1, N, N]`: query `i` may attend to key `j` when `j < i`
 * and `j` is kept, or when `j = i` — LaVIT's causal mask in raster order restricted to kept tokens.
 * Built as `strictLower * keep_j + I`, so it is differentiable in `keep`.
 */
export function causalKeptMask(keep: tf.Tensor2D): tf.Tensor4D {
  const [b, n] = keep.shape;
  return tf.tidy(() => {
    const strictLower = tf.sub(tf.linalg.bandPart(tf.ones([n, n]), -1, 0), tf.eye(n));
    const m = tf.add(tf.mul(tf.reshape(strictLower, [1, n, n]), tf.reshape(keep, [b, 1, n])), tf.reshape(tf.eye(n), [1, n, n]));
    return tf.reshape(m, [b, 1, n, n]) as tf.Tensor4D;
  });
}

/** The merger's cross-attention key mask `[B, 1, 1, N]`: `1 - keep` (every token reads only the dropped tokens). */
export function droppedKeyMask(keep: tf.Tensor2D): tf.Tensor4D {
  const [b, n] = keep.shape;
  return tf.tidy(() => tf.reshape(tf.sub(1, keep), [b, 1, 1, n]) as tf.Tensor4D);
}

/** A key mask `[B, 1, 1, N]` that lets every query see the kept tokens only. */
export function keptKeyMask(keep: tf.Tensor2D): tf.Tensor4D {
  const [b, n] = keep.shape;
  return tf.reshape(keep, [b, 1, 1, n]) as tf.Tensor4D;
}
