import { tf } from '@vlalign/core';

/**
 * PixelLLM's per-token point regression loss (scenic `point_loss`, type `l1_nonzero`):
 *
 * `L = Σ_{valid (b, t)} mean_{k, c} |predicted[b, t, k, c] − target[b, t, k, c]| / max(#valid, 1)`
 *
 * i.e. the L1 error averaged over the P points and the 2 coordinates of each token, then over the
 * valid tokens only. Tokens whose `mask` is 0 (BOS, EOS, padding, words without a trace, rows of a
 * task without point labels) contribute nothing, neither to the sum nor to the count; with no
 * valid token the loss is 0 (not NaN), so a batch without point labels is harmless.
 *
 * The loss is unit-agnostic: it is in whatever units the points are given. PixelLLM computes it
 * in **pixels** of the network input and weights it 0.1 against the captioning cross-entropy; with
 * points normalised to [0, 1] on an S-pixel image the same objective is `0.1 · S · L_normalised`
 * (6.4 at S = 64, ≈ 38 at S = 384). The plugin multiplies normalised points by the image size, so
 * its `pointLossWeight` keeps the paper's pixel-unit meaning.
 *
 * @param predicted `[B, T, P, 2]` predicted points (x, y).
 * @param target `[B, T, P, 2]` target points, same units.
 * @param mask `[B, T]` 0/1 float: 1 on tokens that have a target.
 * @returns a scalar; differentiable with respect to `predicted` (the target and mask are constants).
 * @throws when the shapes do not match.
 */
export function pointLoss(predicted: tf.Tensor, target: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  if (predicted.rank !== 4 || predicted.shape[3] !== 2) throw new Error(`pointLoss: predicted must be [B, T, P, 2], got [${predicted.shape}]`);
  if (target.rank !== 4 || target.shape.some((d, i) => d !== predicted.shape[i])) {
    throw new Error(`pointLoss: target [${target.shape}] must have the shape of predicted [${predicted.shape}]`);
  }
  if (mask.rank !== 2 || mask.shape[0] !== predicted.shape[0] || mask.shape[1] !== predicted.shape[1]) {
    throw new Error(`pointLoss: mask must be [B, T] = [${predicted.shape.slice(0, 2)}], got [${mask.shape}]`);
  }
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32');
    const perToken = tf.mean(tf.abs(tf.sub(predicted, target)), [2, 3]);
    return tf.div(tf.sum(tf.mul(perToken, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}
