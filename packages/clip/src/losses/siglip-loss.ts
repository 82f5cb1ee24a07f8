import { tf } from '@vlalign/core';
import { asScalar, checkFeaturePair } from './check-features.js';

/**
 * Sigmoid loss of SigLIP (Zhai et al. 2023; open_clip's `SigLipLoss` on one device).
 *
 * Every image-text pair of the batch is an independent binary problem: with logits
 * `L = s * I @ Tᵀ + b` and labels `z = +1` on the diagonal, `-1` elsewhere, the loss is
 * `-Σᵢⱼ log σ(zᵢⱼ Lᵢⱼ) / N` (summed over the N×N matrix, divided by the number of images).
 * `-log σ(x)` is evaluated as `softplus(-x)`, which stays finite for logits of any size.
 *
 * @param imageFeatures `[N, D]` image embeddings, already L2-normalised.
 * @param textFeatures `[N, D]` text embeddings, already L2-normalised; row i pairs with image i.
 * @param logitScale the multiplier `s` (exponentiated; SigLIP starts at 10). A scalar tensor gets a gradient.
 * @param logitBias the bias `b` (SigLIP starts at -10). A scalar tensor gets a gradient.
 * @returns the scalar loss (a new tensor the caller owns).
 */
export function siglipLoss(
  imageFeatures: tf.Tensor2D,
  textFeatures: tf.Tensor2D,
  logitScale: number | tf.Scalar,
  logitBias: number | tf.Scalar,
): tf.Scalar {
  checkFeaturePair(imageFeatures, textFeatures, 'siglipLoss');
  const n = imageFeatures.shape[0];
  return tf.tidy(() => {
    const scale = asScalar(logitScale, 'siglipLoss', 'logitScale');
    const bias = asScalar(logitBias, 'siglipLoss', 'logitBias');
    const logits = tf.add(tf.mul(scale, tf.matMul(imageFeatures, textFeatures, false, true)), bias);
    const signs = tf.sub(tf.mul(tf.eye(n), 2), 1);
    // Not tf.logSigmoid: its custom gradient reads its input without saving it, so the gradient
    // fails once this tidy has disposed that input. Softplus has a registered gradient.
    return tf.div(tf.sum(tf.softplus(tf.neg(tf.mul(signs, logits)))), n) as tf.Scalar;
  });
}
