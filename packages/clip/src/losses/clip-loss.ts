import { tf } from '@vlalign/core';
import { asScalar, checkFeaturePair } from './check-features.js';

/**
 * Symmetric InfoNCE loss of CLIP (open_clip's `ClipLoss` on one device, no label smoothing).
 *
 * With logits `L = s * I @ Tᵀ` the loss is `(CE(L, arange(N)) + CE(Lᵀ, arange(N))) / 2`: every
 * image must pick its own caption among the N captions of the batch, and every caption its image.
 *
 * @param imageFeatures `[N, D]` image embeddings, already L2-normalised.
 * @param textFeatures `[N, D]` text embeddings, already L2-normalised; row i pairs with image i.
 * @param logitScale the multiplier `s` (the *exponentiated* learnable scale, e.g. `1 / 0.07`).
 *   Pass a scalar tensor to get its gradient.
 * @param negativeTextFeatures optional `[M, D]` extra caption embeddings (L2-normalised) that pair
 *   with no image, e.g. NegCLIP's hard negatives: every image must also rank its own caption above
 *   all M of them, so the image -> text term becomes `CE([s·I·Tᵀ | s·I·Nᵀ], arange(N))`; the
 *   text -> image term is unchanged. M = 0 (or omitted) gives plain InfoNCE.
 * @returns the scalar loss (a new tensor the caller owns).
 *
 * @example
 * const loss = clipLoss(l2Normalize(img), l2Normalize(txt), tf.exp(logScale));
 */
export function clipLoss(
  imageFeatures: tf.Tensor2D,
  textFeatures: tf.Tensor2D,
  logitScale: number | tf.Scalar,
  negativeTextFeatures?: tf.Tensor2D,
): tf.Scalar {
  checkFeaturePair(imageFeatures, textFeatures, 'clipLoss');
  const negatives = negativeTextFeatures && negativeTextFeatures.shape[0] > 0 ? negativeTextFeatures : undefined;
  if (negativeTextFeatures && (negativeTextFeatures.rank !== 2 || negativeTextFeatures.shape[1] !== imageFeatures.shape[1])) {
    throw new Error(`clipLoss: negativeTextFeatures must be an [M, ${imageFeatures.shape[1]}] matrix; got shape [${negativeTextFeatures.shape}]`);
  }
  return tf.tidy(() => {
    const scale = asScalar(logitScale, 'clipLoss', 'logitScale');
    const logits = tf.mul(scale, tf.matMul(imageFeatures, textFeatures, false, true));
    // CE(row, i) = logsumexp(row) - row[i]; the diagonal logits are the row-wise dot products, so
    // one [N, N] matrix serves both directions (axis 1: image -> text, axis 0: text -> image).
    const positives = tf.mul(scale, tf.sum(tf.mul(imageFeatures, textFeatures), 1));
    const imageRows = negatives ? tf.concat([logits, tf.mul(scale, tf.matMul(imageFeatures, negatives, false, true))], 1) : logits;
    const imageToText = tf.mean(tf.logSumExp(imageRows, 1));
    const textToImage = tf.mean(tf.logSumExp(logits, 0));
    return tf.sub(tf.div(tf.add(imageToText, textToImage), 2), tf.mean(positives)) as tf.Scalar;
  });
}
