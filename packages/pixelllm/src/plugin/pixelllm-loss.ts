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
  /** The same for the head's auxiliary direct prediction (`PointHead` `directAuxiliary`), when it has one. */
  directPointLoss?: tf.Scalar;
}

/** Settings of {@link pixelLlmLoss}. */
export interface PixelLlmLossSettings {
  tokenizer: Tokenizer;
  maxLength: number;
  pointLossWeight: number;
  pointUnits: 'pixels' | 'normalized';
  /**
   * Weight of the point loss on referring rows (rows without caption loss), when it should differ
   * from `pointLossWeight`; the two groups' point losses are then averaged separately. Unset: one
   * point loss over all rows.
   */
  referringPointLossWeight?: number;
  /**
   * Image index per row when rows share images (`images` then holds the distinct images, each
   * encoded once). Default: row i uses image i.
   */
  rowImage?: readonly number[];
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
    const { logits, hidden, visualTokens } = promptedForward(model, promptEncoder, images, enc, rows.map((r) => r.prompt), s.rowImage);
    const kept = tf.mul(tf.cast(tf.notEqual(enc.labels, tf.scalar(-100, 'int32')), 'float32'), enc.captionRows);
    const ce = crossEntropyPerToken(logits, enc.labels);
    const captionLoss = tf.div(tf.sum(tf.mul(ce, kept)), tf.maximum(tf.sum(kept), 1)) as tf.Scalar;
    const scale = s.pointUnits === 'pixels' ? modelImageSize(model) : 1;
    const out = head.forwardWithDirect(hidden, visualTokens);
    const predicted = tf.mul(out.points, scale);
    const targets = tf.mul(enc.pointTargets, scale);
    // The readout head's auxiliary direct prediction is trained on the same targets (summed, so the
    // LM-side signal is PixelLLM's own); `pointLoss` reports the readout's L1.
    const direct = out.direct ? tf.mul(out.direct, scale) : undefined;
    const l1 = (mask: tf.Tensor) => (direct ? tf.add(pointLoss(predicted, targets, mask), pointLoss(direct, targets, mask)) : pointLoss(predicted, targets, mask));
    const pLoss = pointLoss(predicted, targets, enc.pointMask);
    const directLoss = direct ? pointLoss(direct, targets, enc.pointMask) : undefined;
    const wRef = s.referringPointLossWeight;
    if (wRef === undefined || wRef === s.pointLossWeight) {
      const loss = tf.add(tf.mul(captionLoss, enc.captionFraction), tf.mul(directLoss ? tf.add(pLoss, directLoss) : pLoss, s.pointLossWeight * enc.pointFraction)) as tf.Scalar;
      return { loss, captionLoss, pointLoss: pLoss, ...(directLoss ? { directPointLoss: directLoss } : {}) };
    }
    // Per-group means, each weighted by its own share of the rows, so that with equal weights this
    // is the same objective up to how tokens are pooled.
    const isRef = rows.map((r) => (!r.captionLoss && r.tokenBoxes?.some((b) => b) ? 1 : 0));
    const refShare = isRef.reduce<number>((a, v) => a + v, 0) / rows.length;
    const otherShare = enc.pointFraction - refShare;
    const refCol = tf.tensor2d(isRef, [rows.length, 1]);
    const refLoss = l1(tf.mul(enc.pointMask, refCol));
    const otherLoss = l1(tf.mul(enc.pointMask, tf.sub(1, refCol)));
    const loss = tf.addN([
      tf.mul(captionLoss, enc.captionFraction),
      tf.mul(otherLoss, s.pointLossWeight * otherShare),
      tf.mul(refLoss, wRef * refShare),
    ]) as tf.Scalar;
    return { loss, captionLoss, pointLoss: pLoss, ...(directLoss ? { directPointLoss: directLoss } : {}) };
  });
}
