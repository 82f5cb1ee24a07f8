import { stopGradient, tf } from '@vlalign/core';
import { asVector } from './check-inputs.js';

/** Options of {@link dpoLoss}. */
export interface DpoLossOptions {
  /** Inverse temperature beta (IPO's tau). Default `0.1` (SeVa's scripts, TRL's default). */
  beta?: number;
  /**
   * `'sigmoid'` (default): DPO, `-log sigma(beta h)`, with optional conservative label smoothing.
   * `'ipo'`: IPO, `(h - 1/(2 beta))^2`; pass per-token AVERAGED log-probs for it
   * (`sequenceLogps(..., { average: true })`), as TRL does.
   */
  lossType?: 'sigmoid' | 'ipo';
  /**
   * Conservative-DPO label smoothing eps in `[0, 0.5)` (TRL <= 0.28 `label_smoothing` with
   * `loss_type='sigmoid'`): the loss becomes `-(1-eps) log sigma(beta h) - eps log sigma(-beta h)`.
   * Default `0`. Only valid with `lossType: 'sigmoid'`.
   */
  labelSmoothing?: number;
}

/** What {@link dpoLoss} returns; the caller owns (and disposes) every tensor. */
export interface DpoLossOutput {
  /** Mean of `losses` (scalar); differentiable in the policy log-probs. */
  loss: tf.Scalar;
  /** `[B]` per-pair losses. */
  losses: tf.Tensor1D;
  /** `[B]` `beta * (policyChosen - refChosen)`, detached (TRL's `rewards/chosen` before the mean). */
  chosenRewards: tf.Tensor1D;
  /** `[B]` `beta * (policyRejected - refRejected)`, detached (TRL's `rewards/rejected`). */
  rejectedRewards: tf.Tensor1D;
}

/**
 * Direct Preference Optimisation loss as HuggingFace TRL computes it (`DPOTrainer.dpo_loss`, the
 * same form SeVa trains with), from per-sequence log-probs of the chosen and rejected responses
 * under the policy and the frozen reference model:
 *
 * ```
 * h = (policyChosen - policyRejected) - (refChosen - refRejected)
 * sigmoid: loss_i = -(1 - eps) log sigma(beta h_i) - eps log sigma(-beta h_i)
 * ipo:     loss_i = (h_i - 1 / (2 beta))^2
 * loss = mean_i loss_i
 * ```
 *
 * For `'sigmoid'` the log-probs are SUMMED over the response tokens (`sequenceLogps` default); for
 * `'ipo'` the caller passes per-token AVERAGED log-probs (`sequenceLogps(..., { average: true })`),
 * which is TRL's length normalisation for IPO. This function cannot tell which it was given.
 *
 * The reference log-probs are constants: no gradient flows to them even if tensors on a tape are
 * passed. Arrays of numbers are accepted for any of the four inputs (e.g. precomputed reference
 * log-probs); gradients only reach tensors.
 *
 * @param policyChosenLogps `[B]` policy log-probs of the chosen responses.
 * @param policyRejectedLogps `[B]` policy log-probs of the rejected responses.
 * @param refChosenLogps `[B]` reference-model log-probs of the chosen responses.
 * @param refRejectedLogps `[B]` reference-model log-probs of the rejected responses.
 * @returns `{ loss, losses, chosenRewards, rejectedRewards }`.
 *
 * @example
 * const pol = sequenceLogps(policyLogits, labels, mask); // [2B]: chosen rows then rejected rows
 * const { loss } = dpoLoss(pol.slice(0, B), pol.slice(B, B), refChosen, refRejected, { beta: 0.1 });
 */
export function dpoLoss(
  policyChosenLogps: tf.Tensor | readonly number[],
  policyRejectedLogps: tf.Tensor | readonly number[],
  refChosenLogps: tf.Tensor | readonly number[],
  refRejectedLogps: tf.Tensor | readonly number[],
  { beta = 0.1, lossType = 'sigmoid', labelSmoothing = 0 }: DpoLossOptions = {},
): DpoLossOutput {
  const fn = 'dpoLoss';
  if (!Number.isFinite(beta) || beta <= 0) throw new Error(`${fn}: beta must be a positive number; got ${beta}`);
  if (lossType !== 'sigmoid' && lossType !== 'ipo') throw new Error(`${fn}: lossType must be 'sigmoid' or 'ipo'; got ${String(lossType)}`);
  if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) throw new Error(`${fn}: labelSmoothing must be in [0, 0.5); got ${labelSmoothing}`);
  if (lossType === 'ipo' && labelSmoothing !== 0) throw new Error(`${fn}: labelSmoothing applies only to lossType 'sigmoid'; got ${labelSmoothing} with 'ipo'`);
  return tf.tidy(() => {
    const pc = asVector(policyChosenLogps, fn, 'policyChosenLogps');
    const pr = asVector(policyRejectedLogps, fn, 'policyRejectedLogps');
    const rc = stopGradient(asVector(refChosenLogps, fn, 'refChosenLogps'));
    const rr = stopGradient(asVector(refRejectedLogps, fn, 'refRejectedLogps'));
    const n = pc.shape[0];
    const shapes = [pc, pr, rc, rr].map((t) => t.shape[0]);
    if (shapes.some((s) => s !== n)) throw new Error(`${fn}: the four log-prob vectors must have the same length; got ${shapes.join(', ')}`);
    if (n === 0) throw new Error(`${fn}: the batch is empty`);
    const chosenRatio = tf.sub(pc, rc);
    const rejectedRatio = tf.sub(pr, rr);
    const h = tf.sub(chosenRatio, rejectedRatio);
    let losses: tf.Tensor;
    if (lossType === 'ipo') {
      losses = tf.square(tf.sub(h, 1 / (2 * beta)));
    } else {
      // -log sigma(z) = softplus(-z). tf.logSigmoid is avoided: its gradient closes over its input
      // instead of saving it, so it breaks once this tidy has freed the intermediate.
      const z = tf.mul(h, beta);
      losses = tf.softplus(tf.neg(z));
      if (labelSmoothing > 0) {
        losses = tf.sub(tf.mul(losses, 1 - labelSmoothing), tf.mul(tf.neg(tf.softplus(z)), labelSmoothing));
      }
    }
    return {
      loss: tf.mean(losses) as tf.Scalar,
      losses: losses as tf.Tensor1D,
      chosenRewards: stopGradient(tf.mul(chosenRatio, beta)) as tf.Tensor1D,
      rejectedRewards: stopGradient(tf.mul(rejectedRatio, beta)) as tf.Tensor1D,
    };
  });
}
