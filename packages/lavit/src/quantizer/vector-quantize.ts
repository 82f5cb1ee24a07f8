import { stopGradient, tf } from '@vlalign/core';
import { l2Normalize } from './l2-normalize.js';

/** What {@link vectorQuantize} returns. Dispose the tensors (or call it inside a tidy). */
export interface VectorQuantizeResult {
  /** `[N]` int32: the nearest code of each row. */
  indices: tf.Tensor1D;
  /** `[N, d]`: the L2-normalised code vector chosen for each row. */
  quantized: tf.Tensor2D;
}

/**
 * Cosine nearest-neighbour vector quantisation, as LaVIT's quantizer (and BEiT-v2's
 * `NormEMAVectorQuantizer`): rows of `z` and of the codebook are L2-normalised, and each row takes
 * the code with the largest cosine similarity, which is the smallest Euclidean distance between
 * unit vectors. Ties go to the lowest index (argmax order).
 *
 * No gradient flows through this function; see {@link quantizeStraightThrough} for training.
 *
 * @param z `[N, d]` vectors to quantise (need not be normalised)
 * @param codebook `[K, d]` code vectors (need not be normalised)
 * @example
 * const { indices, quantized } = vectorQuantize(z, codebook); // indices [N], quantized [N, d]
 */
export function vectorQuantize(z: tf.Tensor2D, codebook: tf.Tensor2D): VectorQuantizeResult {
  if (z.rank !== 2 || codebook.rank !== 2 || z.shape[1] !== codebook.shape[1]) {
    throw new Error(`vectorQuantize: expected z [N, d] and codebook [K, d] with the same d, got [${z.shape}] and [${codebook.shape}]`);
  }
  // The choice is read back and rebuilt as a constant, so nothing here sits on a gradient path
  // (argMax and gather's index input have no usable gradient in tfjs).
  const chosen = tf.tidy(() => tf.argMax(tf.matMul(l2Normalize(z), tf.transpose(l2Normalize(codebook))), 1));
  const values = Int32Array.from(chosen.dataSync());
  chosen.dispose();
  return tf.tidy(() => {
    const indices = tf.tensor1d(values, 'int32');
    return { indices, quantized: tf.gather(l2Normalize(codebook), indices) as tf.Tensor2D };
  });
}

const straightThroughOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [zHat, codes] = args as tf.Tensor[];
  return {
    // The forward value is the code; the gradient goes to zHat unchanged: z_q = ẑ + sg(c - ẑ).
    value: tf.clone(codes),
    gradFunc: (dy: tf.Tensor) => [tf.clone(dy), tf.zeros(codes.shape)],
  };
});

/**
 * The straight-through estimator `z_q = ẑ + sg(c_k - ẑ)`: returns the code vectors `codes` in the
 * forward pass and passes the incoming gradient to `zHat` unchanged (none to `codes`).
 *
 * @param zHat `[N, d]` L2-normalised encoder outputs (on the gradient path)
 * @param codes `[N, d]` the chosen code of each row (e.g. `vectorQuantize(zHat, C).quantized`)
 */
export function quantizeStraightThrough(zHat: tf.Tensor2D, codes: tf.Tensor2D): tf.Tensor2D {
  if (zHat.shape[0] !== codes.shape[0] || zHat.shape[1] !== codes.shape[1]) {
    throw new Error(`quantizeStraightThrough: zHat [${zHat.shape}] and codes [${codes.shape}] must have the same shape`);
  }
  return straightThroughOp(zHat, codes) as tf.Tensor2D;
}

/**
 * Commitment loss `mean_rows ||sg(c_k) - ẑ||²` (squared distance summed over the code dimension,
 * averaged over rows; BEiT-v2 and VQ-VAE use the mean over all elements, which is this divided by
 * `d`). With `weights` `[N]` (0/1: e.g. the kept-token mask) it is the weighted mean over rows.
 */
export function commitmentLoss(zHat: tf.Tensor2D, codes: tf.Tensor2D, weights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const perRow = tf.sum(tf.square(tf.sub(zHat, stopGradient(codes))), 1);
    if (!weights) return tf.mean(perRow) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(perRow, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
  });
}
