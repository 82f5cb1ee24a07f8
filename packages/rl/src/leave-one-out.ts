import { tf } from '@vlalign/core';
import { asVector, checkGroups } from './check-inputs.js';

/**
 * Leave-one-out baseline ("new self-critical" in self-critical.pytorch, RLOO): for each sample, the
 * mean reward of the OTHER `groupSize - 1` samples drawn for the same image,
 * `b_i = (sum_{j in group(i)} r_j - r_i) / (groupSize - 1)`.
 *
 * Samples of one image must be contiguous: `[img0 s0, img0 s1, ..., img1 s0, ...]` (as TRL orders
 * its generations).
 *
 * @param rewards `[N]` rewards, N a multiple of `groupSize`, as a tensor or numbers.
 * @param groupSize samples per image, >= 2.
 * @returns `[N]` float32 baselines (caller owns it); pass them to {@link scstLoss}.
 */
export function leaveOneOutBaseline(rewards: tf.Tensor | readonly number[], groupSize: number): tf.Tensor1D {
  const fn = 'leaveOneOutBaseline';
  return tf.tidy(() => {
    const r = asVector(rewards, fn, 'rewards');
    checkGroups(r.shape[0], groupSize, fn);
    const grouped = tf.reshape(r, [-1, groupSize]);
    const others = tf.sub(tf.sum(grouped, 1, true), grouped);
    return tf.reshape(tf.div(others, groupSize - 1), [-1]) as tf.Tensor1D;
  });
}
