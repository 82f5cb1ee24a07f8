import { tf } from '@vlalign/core';

/**
 * Random Fourier features of 2-D points (SAM's `PositionEmbeddingRandom`, used by PixelLLM's
 * prompt encoder): normalised `(x, y)` in [0, 1] are mapped to `[-1, 1]`, projected by a fixed
 * Gaussian matrix `G` `[2, F]` and scaled by 2π; the features are `[sin(z), cos(z)]` (2F values).
 *
 * @param points `[..., 2]` normalised coordinates.
 * @param gaussian `[2, F]` projection matrix (fixed, not trained).
 * @returns `[..., 2F]`.
 */
export function fourierFeatures(points: tf.Tensor, gaussian: tf.Tensor): tf.Tensor {
  if (points.shape[points.rank - 1] !== 2) throw new Error(`fourierFeatures: points must be [..., 2], got [${points.shape}]`);
  if (gaussian.rank !== 2 || gaussian.shape[0] !== 2) throw new Error(`fourierFeatures: gaussian must be [2, F], got [${gaussian.shape}]`);
  return tf.tidy(() => {
    const lead = points.shape.slice(0, -1);
    const flat = tf.reshape(tf.sub(tf.mul(points, 2), 1), [-1, 2]);
    const z = tf.mul(tf.matMul(flat, gaussian), 2 * Math.PI);
    const f = tf.concat([tf.sin(z), tf.cos(z)], 1);
    return tf.reshape(f, [...lead, 2 * (gaussian.shape[1] as number)]);
  });
}
