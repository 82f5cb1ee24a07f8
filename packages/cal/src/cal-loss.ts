import { crossEntropyPerToken, stopGradient, tf } from '@vlalign/core';
import { checkIgnoreIndex, checkLabels, checkLogits } from './check-inputs.js';

/** Options of {@link calLoss}. */
export interface CalLossOptions {
  /** Label value of positions that are not scored. Default `-100`. */
  ignoreIndex?: number;
}

/**
 * CAL's weighted captioning loss: token cross-entropy weighted by visual relevance and normalised by
 * the total weight of the scored tokens,
 *
 * ```
 * loss = sum_i CE_i * w_i / (sum_{i: labels_i != ignoreIndex} w_i + 1e-6)
 * ```
 *
 * With all weights 1 this is the usual token-mean cross-entropy (up to the 1e-6). The weights are
 * treated as constants: no gradient reaches `weights`, whatever produced it.
 *
 * @param logits `[B, T, V]` logits of the forward WITH the image (these carry the gradient).
 * @param labels `[B, T]` int32 targets aligned with the logits (already shifted), `ignoreIndex` where
 *   not scored.
 * @param weights `[B, T]` float32 weights, normally from {@link calTokenWeights}; values at ignored
 *   positions do not matter.
 * @returns the scalar loss (caller owns it).
 */
export function calLoss(logits: tf.Tensor, labels: tf.Tensor, weights: tf.Tensor, { ignoreIndex = -100 }: CalLossOptions = {}): tf.Scalar {
  const fn = 'calLoss';
  checkLabels(labels, fn);
  checkLogits(logits, labels, fn);
  if (weights.rank !== 2 || weights.shape[0] !== labels.shape[0] || weights.shape[1] !== labels.shape[1]) {
    throw new Error(`${fn}: weights must be [B, T] like labels [${labels.shape}]; got shape [${weights.shape}]`);
  }
  checkIgnoreIndex(ignoreIndex, fn);
  return tf.tidy(() => {
    const valid = tf.cast(tf.notEqual(labels, tf.scalar(ignoreIndex, 'int32')), 'float32');
    const w = tf.mul(stopGradient(tf.cast(weights, 'float32')), valid);
    const ce = crossEntropyPerToken(logits, labels, ignoreIndex);
    return tf.div(tf.sum(tf.mul(ce, w)), tf.add(tf.sum(w), 1e-6)) as tf.Scalar;
  });
}
