import { tf } from '@vlalign/core';
import type { CalBatch } from './cal-batch.js';

/** Scalar sums of CAL weights over all scored, visual and filler positions of a batch. */
export interface WeightSums {
  all: tf.Scalar;
  visual?: tf.Scalar;
  filler?: tf.Scalar;
}

/**
 * Sums `weights` (0 at ignored positions, as `calTokenWeights` returns them) over every scored
 * position and over the batch's visual / filler masks. Divide by `tokens`, `visualCount` and
 * `fillerCount` for the means.
 */
export function weightSums(weights: tf.Tensor, batch: Pick<CalBatch, 'visualMask' | 'fillerMask'>): WeightSums {
  return tf.tidy(() => {
    const out: WeightSums = { all: tf.sum(weights) as tf.Scalar };
    if (batch.visualMask) out.visual = tf.sum(tf.mul(weights, batch.visualMask)) as tf.Scalar;
    if (batch.fillerMask) out.filler = tf.sum(tf.mul(weights, batch.fillerMask)) as tf.Scalar;
    return out;
  });
}
