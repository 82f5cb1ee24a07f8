import { tf } from '@vlalign/core';
import { checkIgnoreIndex, checkLabels, checkLogits } from './check-inputs.js';

/** Options of {@link calTokenWeights}. */
export interface CalTokenWeightOptions {
  /** Label value of positions that are not scored (prompt, padding, image). Default `-100`. */
  ignoreIndex?: number;
  /** Lower clamp of the logit difference (CAL's alpha). Default `1`: a token never weighs less than plain CE. */
  min?: number;
  /** Upper clamp of the logit difference (CAL's beta). Default `5`. */
  max?: number;
  /**
   * Width of the centred moving average applied after clamping: a positive odd integer. Default `3`
   * (CAL's `AvgPool1d(3, stride 1, padding 1, count_include_pad=False)`); `1` turns smoothing off.
   */
  window?: number;
}

/**
 * CAL's per-token visual-relevance weights (Xiao et al., "Seeing the Image: Prioritizing Visual
 * Correlation by Contrastive Alignment", NeurIPS 2024).
 *
 * For every scored position the weight measures how much seeing the image raises the RAW
 * (pre-softmax) logit of the ground-truth token:
 *
 * ```
 * d[b, t] = clamp(logitsWithImage[b, t, y] - logitsWithoutImage[b, t, y], min, max)   y = labels[b, t]
 * w[b, t] = mean{ d[b, s] : |s - t| <= (window - 1) / 2, labels[b, s] != ignoreIndex }
 * w[b, t] = 0 where labels[b, t] == ignoreIndex
 * ```
 *
 * Smoothing is defined per sequence, in position space, over valid positions only: the window at
 * position t covers positions t-h..t+h (h = (window-1)/2) of the SAME row; positions past either end
 * of the row and ignored positions inside the window are left out of both the sum and the count
 * (as `count_include_pad=False` does for the padding). So the first and last valid token of a
 * caption average over fewer neighbours, and a token next to an ignored hole averages only its valid
 * neighbours; the window never jumps over the hole to reach further tokens.
 *
 * This deliberately differs from the original code, which pools over the flattened `B*(T-1)` vector
 * and so mixes in the (meaningless) weights of ignored positions and of the neighbouring sample.
 * With contiguous captions and no ignored positions inside a row the two agree except at the row ends.
 *
 * The result is a constant: its gradient with respect to both logit tensors is zero (it is built in
 * one custom-gradient op, so none of its internal ops are recorded on an enclosing gradient tape).
 * CAL computes it under `torch.no_grad()`.
 *
 * @param logitsWithImage `[B, T, V]` logits of the normal forward (typically the ones that carry the
 *   gradient of the training loss).
 * @param logitsWithoutImage `[B, T, V]` logits of the same model with the visual tokens masked out of
 *   attention (`VisionLanguageModel.forward({ withoutImage: true })`), positions unchanged.
 * @param labels `[B, T]` int32 targets ALIGNED with the logits (position t's logits predict
 *   `labels[b, t]`, i.e. already shifted), `ignoreIndex` where not scored. Valid labels must lie in `[0, V)`.
 * @returns `[B, T]` float32 weights in `[min, max]` at valid positions, 0 elsewhere (caller owns it).
 *
 * @example
 * const w = calTokenWeights(withImg.logits, withoutImg.logits, labels);
 * const loss = calLoss(withImg.logits, labels, w);
 */
export function calTokenWeights(
  logitsWithImage: tf.Tensor,
  logitsWithoutImage: tf.Tensor,
  labels: tf.Tensor,
  { ignoreIndex = -100, min = 1, max = 5, window = 3 }: CalTokenWeightOptions = {},
): tf.Tensor2D {
  const fn = 'calTokenWeights';
  checkLabels(labels, fn);
  checkLogits(logitsWithImage, labels, fn, 'logitsWithImage');
  checkLogits(logitsWithoutImage, labels, fn, 'logitsWithoutImage');
  if (logitsWithoutImage.shape[2] !== logitsWithImage.shape[2]) {
    throw new Error(`${fn}: logitsWithImage [${logitsWithImage.shape}] and logitsWithoutImage [${logitsWithoutImage.shape}] must have the same shape`);
  }
  checkIgnoreIndex(ignoreIndex, fn);
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new Error(`${fn}: min and max must be finite with min <= max; got min ${min}, max ${max}`);
  }
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0) {
    throw new Error(`${fn}: window must be a positive odd integer (centred average); got ${window}`);
  }
  const detached = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [withImage, withoutImage] = args as tf.Tensor[];
    return {
      value: tf.tidy(() => weightsForward(withImage, withoutImage, labels, ignoreIndex, min, max, window)),
      gradFunc: () => [tf.zerosLike(withImage), tf.zerosLike(withoutImage)],
    };
  });
  return detached(logitsWithImage, logitsWithoutImage) as tf.Tensor2D;
}

function weightsForward(
  withImage: tf.Tensor,
  withoutImage: tf.Tensor,
  labels: tf.Tensor,
  ignoreIndex: number,
  min: number,
  max: number,
  window: number,
): tf.Tensor2D {
  const [B, T, V] = withImage.shape;
  const N = B * T;
  const valid = tf.cast(tf.notEqual(labels, tf.scalar(ignoreIndex, 'int32')), 'float32');
  // Ignored positions read token 0; their value is masked out below.
  const safe = tf.mul(tf.reshape(labels, [N]), tf.cast(tf.reshape(valid, [N]), 'int32'));
  const flatIndex = tf.add(tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(V, 'int32')), safe);
  const gt = (x: tf.Tensor) => tf.gather(tf.reshape(x, [N * V]), flatIndex);
  const diff = tf.reshape(tf.sub(gt(withImage), gt(withoutImage)), [B, T]);
  const clamped = tf.mul(tf.clipByValue(diff, min, max), valid);
  const half = (window - 1) / 2;
  if (half === 0) return clamped as tf.Tensor2D;
  // Zero padding on the time axis only: row ends and ignored positions add 0 to both sums.
  const windowSum = (x: tf.Tensor) => {
    const padded = tf.pad(x, [
      [0, 0],
      [half, half],
    ]);
    let acc = tf.slice(padded, [0, 0], [B, T]);
    for (let k = 1; k < window; k++) acc = tf.add(acc, tf.slice(padded, [0, k], [B, T]));
    return acc;
  };
  // A valid centre counts itself, so the count is >= 1 wherever the result is kept.
  const mean = tf.div(windowSum(clamped), tf.maximum(windowSum(valid), 1));
  return tf.mul(mean, valid) as tf.Tensor2D;
}
