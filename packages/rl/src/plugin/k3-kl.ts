import { stopGradient, tf } from '@vlalign/core';

/**
 * Masked mean of the k3 KL estimator per token, `exp(ref - logp) - (ref - logp) - 1` (Schulman's
 * unbiased, non-negative estimator of KL(pi || ref), as TRL's GRPO uses), differentiable with
 * respect to `logps`; `refLogps` is a constant.
 */
export function k3Kl(logps: tf.Tensor, refLogps: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d = tf.sub(stopGradient(refLogps), logps);
    const kl = tf.sub(tf.sub(tf.exp(d), d), 1);
    return tf.div(tf.sum(tf.mul(kl, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
