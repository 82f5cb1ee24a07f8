import { tf } from '@vlalign/core';
import { asVector, checkGroups } from './check-inputs.js';

/** Options of {@link grpoAdvantages}. */
export interface GrpoAdvantageOptions {
  /**
   * Divide by the group's standard deviation (TRL `scale_rewards=True`/`'group'`). Default `true`;
   * `false` gives Dr. GRPO's centred rewards `r - mean_g`.
   */
  scale?: boolean;
}

/**
 * GRPO's group-relative advantages, as TRL computes them:
 *
 * ```
 * A_i = (r_i - mean_g(r)) / (std_g(r) + 1e-4)
 * ```
 *
 * with the SAMPLE standard deviation (Bessel's correction, n - 1) of the `groupSize` completions of
 * the same prompt. A group whose rewards are all equal gets advantages 0. Completions of one prompt
 * must be contiguous (`[p0 c0, p0 c1, ..., p1 c0, ...]`).
 *
 * @param rewards `[N]` rewards (N = prompts * groupSize), as numbers or a tensor.
 * @param groupSize completions per prompt (TRL `num_generations`), >= 2.
 * @returns `[N]` float32 advantages (caller owns it).
 */
export function grpoAdvantages(rewards: tf.Tensor | readonly number[], groupSize: number, { scale = true }: GrpoAdvantageOptions = {}): tf.Tensor1D {
  const fn = 'grpoAdvantages';
  return tf.tidy(() => {
    const r = asVector(rewards, fn, 'rewards');
    checkGroups(r.shape[0], groupSize, fn);
    const grouped = tf.reshape(r, [-1, groupSize]);
    const centred = tf.sub(grouped, tf.mean(grouped, 1, true));
    if (!scale) return tf.reshape(centred, [-1]) as tf.Tensor1D;
    const std = tf.sqrt(tf.div(tf.sum(tf.square(centred), 1, true), groupSize - 1));
    return tf.reshape(tf.div(centred, tf.add(std, 1e-4)), [-1]) as tf.Tensor1D;
  });
}
