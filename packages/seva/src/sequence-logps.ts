import { crossEntropyPerToken, tf } from '@vlalign/core';

/** Options of {@link sequenceLogps}. */
export interface SequenceLogpsOptions {
  /** Divide each row's sum by its number of masked-in tokens (IPO). Default `false` (summed, DPO). */
  average?: boolean;
}

/**
 * Per-sequence log-probability of the label tokens: `sum_t mask[b,t] * log softmax(logits[b,t])[labels[b,t]]`,
 * or that sum divided by `sum_t mask[b,t]` when `average` is set (a row with no masked-in token gives 0).
 *
 * This is TRL's `get_batch_logps` / `concatenated_forward` reduction for DPO (sum) and IPO (average).
 * Positions with mask 0 contribute nothing and receive no gradient, and their labels may hold anything
 * (e.g. -100); masked-in labels must lie in `[0, V)`.
 *
 * @param logits `[B, T, V]` float logits.
 * @param labels `[B, T]` int32 targets ALIGNED with the logits (position t's logits predict
 *   `labels[b, t]`, i.e. already shifted).
 * @param mask `[B, T]` 0/1 float mask of the response tokens to score (prompt and padding 0).
 * @returns `[B]` float32 log-probs, differentiable with respect to `logits` (caller owns it).
 */
export function sequenceLogps(logits: tf.Tensor, labels: tf.Tensor, mask: tf.Tensor, { average = false }: SequenceLogpsOptions = {}): tf.Tensor1D {
  const fn = 'sequenceLogps';
  if (labels.rank !== 2 || labels.dtype !== 'int32') throw new Error(`${fn}: labels must be an int32 [B, T] tensor; got ${labels.dtype} [${labels.shape}]`);
  const [B, T] = labels.shape;
  if (logits.rank !== 3 || logits.shape[0] !== B || logits.shape[1] !== T) {
    throw new Error(`${fn}: logits must be [B, T, V] matching labels [${labels.shape}]; got shape [${logits.shape}]`);
  }
  if (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T) {
    throw new Error(`${fn}: mask must be [B, T] like labels [${labels.shape}]; got shape [${mask.shape}]`);
  }
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32');
    // Every position gets a legal id; the mask removes the ones that were placeholders.
    const safe = tf.maximum(labels, tf.scalar(0, 'int32'));
    const tokenLogps = tf.neg(crossEntropyPerToken(logits, safe, -1));
    const summed = tf.sum(tf.mul(tokenLogps, m), 1);
    return (average ? tf.div(summed, tf.maximum(tf.sum(m, 1), 1)) : summed) as tf.Tensor1D;
  });
}
