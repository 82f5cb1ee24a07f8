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
  const sum = (mask?: tf.Tensor) => (mask ? (tf.tidy(() => tf.sum(tf.mul(weights, mask))) as tf.Scalar) : undefined);
  return { all: tf.sum(weights) as tf.Scalar, visual: sum(batch.visualMask), filler: sum(batch.fillerMask) };
}
