import { crossEntropyPerToken, tf, type Tokenizer, type VisionLanguageModel } from '@vlalign/core';
import type { PointHead } from '../head/point-head.js';
import { pointLoss } from '../losses/point-loss.js';
import type { LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { promptedForward, modelImageSize } from '../inference/prompted-forward.js';
import { encodeRows, type PixelRow } from '../targets/pixel-rows.js';

/** The parts of a PixelLLM loss. */
export interface PixelLlmLossOutput {
  /** `captionFraction · captionLoss + weight · pointFraction · pointLoss`. */
  loss: tf.Scalar;
  /** Mean next-token cross-entropy over the caption tokens of the caption rows. */
  captionLoss: tf.Scalar;
  /** {@link pointLoss} over the rows' point targets, in the chosen units (unweighted). */
  pointLoss: tf.Scalar;
}

/** Settings of {@link pixelLlmLoss}. */
export interface PixelLlmLossSettings {
  tokenizer: Tokenizer;
  maxLength: number;
  pointLossWeight: number;
  pointUnits: 'pixels' | 'normalized';
}

/**
 * PixelLLM's joint objective on a mixed batch (one forward pass for all rows):
 *
 * `L = mean_b(cap_b) · CE + w · mean_b(pt_b) · L_point`
 *
 * where CE is the mean next-token cross-entropy over the tokens of rows with the caption task,
 * `L_point` the {@link pointLoss} over the tokens with point targets, and each term is scaled by
 * the fraction of rows carrying that task (scenic's `add_task_mask`). Points are multiplied by the
 * image size first when `pointUnits` is `'pixels'`, so `w = 0.1` is the paper's weight.
 * Runs inside the caller's gradient tape; every intermediate is released.
 */
export function pixelLlmLoss(
  model: VisionLanguageModel,
  head: PointHead,
  promptEncoder: LocationPromptEncoder | undefined,
  images: tf.Tensor4D,
  rows: readonly PixelRow[],
  s: PixelLlmLossSettings,
): PixelLlmLossOutput {
  return tf.tidy(() => {
    const enc = encodeRows(rows, s.tokenizer, s.maxLength);
    const { logits, hidden } = promptedForward(model, promptEncoder, images, enc, rows.map((r) => r.prompt));
    const kept = tf.mul(tf.cast(tf.notEqual(enc.labels, tf.scalar(-100, 'int32')), 'float32'), enc.captionRows);
    const ce = crossEntropyPerToken(logits, enc.labels);
    const captionLoss = tf.div(tf.sum(tf.mul(ce, kept)), tf.maximum(tf.sum(kept), 1)) as tf.Scalar;
    const scale = s.pointUnits === 'pixels' ? modelImageSize(model) : 1;
    const predicted = head.forward(hidden);
    const pLoss = pointLoss(tf.mul(predicted, scale), tf.mul(enc.pointTargets, scale), enc.pointMask);
    const loss = tf.add(tf.mul(captionLoss, enc.captionFraction), tf.mul(pLoss, s.pointLossWeight * enc.pointFraction)) as tf.Scalar;
    return { loss, captionLoss, pointLoss: pLoss };
  });
}
