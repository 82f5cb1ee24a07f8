import { stopGradient, tf } from '@vlalign/core';
import { asVector, checkMatrix } from './check-inputs.js';

/** Options of {@link grpoLoss}. */
export interface GrpoLossOptions {
  /** Clipping range eps of the ratio: `[1 - eps, 1 + eps]`. Default `0.2`. */
  epsilon?: number;
  /**
   * Weight of the k3 KL penalty to the reference policy. Default `0.04` (TRL <= 0.18; later TRL
   * defaults to 0). With `beta = 0` the reference log-probs may be `null`.
   */
  beta?: number;
  /**
   * `'sequence'` (default): mean over each completion's valid tokens, then over completions (the
   * original GRPO, TRL `loss_type='grpo'`). `'token'`: sum over all valid tokens / their count
   * (TRL `'bnpo'`), which weights long completions more.
   */
  aggregation?: 'sequence' | 'token';
}

/** What {@link grpoLoss} returns; the caller owns every tensor. */
export interface GrpoLossOutput {
  /** The scalar loss; differentiable with respect to `logps`. */
  loss: tf.Scalar;
  /**
   * Mean per-token k3 KL `exp(ref - logp) - (ref - logp) - 1` over all valid tokens (detached);
   * `null` when no reference log-probs were given.
   */
  kl: tf.Scalar | null;
  /**
   * Fraction of valid tokens where clipping is active (detached): ratio below `1 - eps` with a
   * negative advantage, or above `1 + eps` with a positive one (TRL's `clip_ratio/region_mean`).
   */
  clipRatio: tf.Scalar;
}

/**
 * The GRPO policy loss (Shao et al. 2024, DeepSeekMath) as HuggingFace TRL's `GRPOTrainer` computes it.
 * Per token, with `rho = exp(logp - oldLogp)` and the completion's advantage A:
 *
 * ```
 * l_t = -min(rho A, clip(rho, 1 - eps, 1 + eps) A) + beta * (exp(ref - logp) - (ref - logp) - 1)
 * ```
 *
 * then aggregated over valid tokens as `aggregation` says (rows with no valid token count as 0).
 *
 * @param logps `[B, T]` per-token log-probs of the completions under the current policy (differentiable).
 * @param oldLogps `[B, T]` log-probs under the policy that sampled them, or `null` for one
 *   optimisation step per generation batch (TRL `num_iterations = 1`), where they are the detached
 *   current log-probs, so `rho = 1` and the gradient is `-A * dlogp`. Treated as constants.
 * @param refLogps `[B, T]` log-probs under the frozen reference model (constants), or `null` when `beta = 0`.
 * @param advantages `[B]` advantages, e.g. {@link grpoAdvantages}; constants.
 * @param mask `[B, T]` 0/1 float mask of the completion tokens.
 * @returns `{ loss, kl, clipRatio }`.
 */
export function grpoLoss(
  logps: tf.Tensor,
  oldLogps: tf.Tensor | null,
  refLogps: tf.Tensor | null,
  advantages: tf.Tensor | readonly number[],
  mask: tf.Tensor,
  { epsilon = 0.2, beta = 0.04, aggregation = 'sequence' }: GrpoLossOptions = {},
): GrpoLossOutput {
  const fn = 'grpoLoss';
  if (logps.rank !== 2) throw new Error(`${fn}: logps must be [B, T]; got shape [${logps.shape}]`);
  const shape = logps.shape;
  if (oldLogps) checkMatrix(oldLogps, shape, fn, 'oldLogps');
  if (refLogps) checkMatrix(refLogps, shape, fn, 'refLogps');
  checkMatrix(mask, shape, fn, 'mask');
  if (!(Number.isFinite(epsilon) && epsilon > 0 && epsilon < 1)) throw new Error(`${fn}: epsilon must be in (0, 1); got ${epsilon}`);
  if (!(Number.isFinite(beta) && beta >= 0)) throw new Error(`${fn}: beta must be a finite number >= 0; got ${beta}`);
  if (beta !== 0 && !refLogps) throw new Error(`${fn}: refLogps is required when beta (${beta}) is not 0`);
  if (aggregation !== 'sequence' && aggregation !== 'token') throw new Error(`${fn}: aggregation must be 'sequence' or 'token'; got ${String(aggregation)}`);
  const B = shape[0];
  // tf.tidy's container type has no null, so `kl` travels as a tensor-or-undefined and becomes null after.
  const out = tf.tidy(() => {
    const adv = asVector(advantages, fn, 'advantages');
    if (adv.shape[0] !== B) throw new Error(`${fn}: advantages has ${adv.shape[0]} entries; expected one per row of logps (${B})`);
    const a = stopGradient(tf.reshape(adv, [B, 1]));
    const m = tf.cast(mask, 'float32');
    const old = stopGradient(oldLogps ?? logps);
    const rho = tf.exp(tf.sub(logps, old));
    const unclipped = tf.mul(rho, a);
    const clipped = tf.mul(tf.clipByValue(rho, 1 - epsilon, 1 + epsilon), a);
    let perToken = tf.neg(tf.minimum(unclipped, clipped));
    let kl: tf.Scalar | undefined;
    const validCount = tf.maximum(tf.sum(m), 1);
    if (refLogps) {
      const d = tf.sub(stopGradient(refLogps), logps);
      const klToken = tf.sub(tf.sub(tf.exp(d), d), 1);
      if (beta !== 0) perToken = tf.add(perToken, tf.mul(klToken, beta));
      kl = stopGradient(tf.div(tf.sum(tf.mul(klToken, m)), validCount)) as tf.Scalar;
    }
    const masked = tf.mul(perToken, m);
    const loss =
      aggregation === 'sequence'
        ? tf.mean(tf.div(tf.sum(masked, 1), tf.maximum(tf.sum(m, 1), 1)))
        : tf.div(tf.sum(masked), validCount);
    const clipRatio = tf.tidy(() => {
      // Comparisons only: computed from detached values, off the differentiated path.
      const r = stopGradient(rho);
      const low = tf.logicalAnd(tf.less(r, 1 - epsilon), tf.less(a, 0));
      const high = tf.logicalAnd(tf.greater(r, 1 + epsilon), tf.greater(a, 0));
      return tf.div(tf.sum(tf.mul(tf.cast(tf.logicalOr(low, high), 'float32'), m)), validCount) as tf.Scalar;
    });
    return { loss: loss as tf.Scalar, clipRatio, ...(kl ? { kl } : {}) };
  });
  return { loss: out.loss, kl: out.kl ?? null, clipRatio: out.clipRatio };
}
