import { stopGradient, tf } from '@vlalign/core';
import { asVector, checkMatrix } from './check-inputs.js';

/**
 * Self-critical sequence training loss (Rennie et al., CVPR 2017): REINFORCE whose baseline is a
 * reward the model itself earns, usually its greedy (test-time) caption's, or the mean of the other
 * samples of the same image ({@link leaveOneOutBaseline}).
 *
 * ```
 * loss = -sum_{b,t} logp[b,t] * (r[b] - baseline[b]) * mask[b,t] / sum_{b,t} mask[b,t]
 * ```
 *
 * This is self-critical.pytorch's `RewardCriterion`: the token mean over all sampled tokens
 * (a batch with no masked-in token gives 0). The advantage is a constant: no gradient reaches the
 * rewards or the baseline.
 *
 * @param sampleLogps `[B, T]` log-probs of the sampled tokens under the current policy (differentiable).
 * @param mask `[B, T]` 0/1 float: the generated tokens plus the first EOS.
 * @param sampleRewards `[B]` reward of each sample (e.g. CIDEr-D), tensor or numbers.
 * @param baselineRewards `[B]` baseline for each sample (greedy reward of the same image, or leave-one-out mean).
 * @returns the scalar loss (caller owns it).
 */
export function scstLoss(
  sampleLogps: tf.Tensor,
  mask: tf.Tensor,
  sampleRewards: tf.Tensor | readonly number[],
  baselineRewards: tf.Tensor | readonly number[],
): tf.Scalar {
  const fn = 'scstLoss';
  if (sampleLogps.rank !== 2) throw new Error(`${fn}: sampleLogps must be [B, T]; got shape [${sampleLogps.shape}]`);
  checkMatrix(mask, sampleLogps.shape, fn, 'mask');
  const B = sampleLogps.shape[0];
  return tf.tidy(() => {
    const r = asVector(sampleRewards, fn, 'sampleRewards');
    const b = asVector(baselineRewards, fn, 'baselineRewards');
    if (r.shape[0] !== B || b.shape[0] !== B) throw new Error(`${fn}: sampleRewards (${r.shape[0]}) and baselineRewards (${b.shape[0]}) must have one entry per row of sampleLogps (${B})`);
    const m = tf.cast(mask, 'float32');
    const advantage = stopGradient(tf.reshape(tf.sub(r, b), [B, 1]));
    const total = tf.sum(tf.mul(tf.mul(sampleLogps, advantage), m));
    return tf.neg(tf.div(total, tf.maximum(tf.sum(m), 1))) as tf.Scalar;
  });
}
