import * as tf from '@tensorflow/tfjs-core';

/** Added to the scores of masked keys: large enough that `exp` underflows to exactly 0, finite so a row with every key masked gives no NaN. */
export const MASKED_SCORE = -1e9;

/** Options of {@link buildAttentionBias}. */
export interface AttentionBiasOptions {
  /** Number of query positions in this call. */
  queryLength: number;
  /** Number of key positions (past cached keys + keys of this call). */
  keyLength: number;
  /** Queries may not see later keys. Query `i` sits at absolute position `pastLength + i`. */
  causal?: boolean;
  /** `[B, keyLength]` 0/1 float tensor: 0 marks keys nobody may attend to (padding, hidden image). */
  keyMask?: tf.Tensor;
  /** Keys already in the KV cache (default `keyLength - queryLength`). */
  pastLength?: number;
}

/**
 * Builds the additive attention bias `[B | 1, 1, Tq, Tk]` (0 where allowed, {@link MASKED_SCORE}
 * where masked), or undefined when nothing is masked. Models build it once per forward pass and
 * hand it to every block. Made from constants only, so it never sits on the differentiated path.
 */
export function buildAttentionBias(options: AttentionBiasOptions): tf.Tensor | undefined {
  const { queryLength: tq, keyLength: tk, causal = false, keyMask } = options;
  const past = options.pastLength ?? tk - tq;
  if (past < 0) throw new Error(`buildAttentionBias: keyLength ${tk} is smaller than queryLength ${tq}`);
  if (keyMask && (keyMask.rank !== 2 || keyMask.shape[1] !== tk)) {
    throw new Error(`buildAttentionBias: keyMask must be [B, ${tk}] (0/1 per key), got [${keyMask.shape}]`);
  }
  let causalBias: tf.Tensor | undefined;
  // Query 0 (the earliest) sees keys up to `past`; nothing is hidden when that is already the last key.
  if (causal && past + 1 < tk) {
    const values = new Float32Array(tq * tk);
    for (let i = 0; i < tq; i++) for (let j = past + i + 1; j < tk; j++) values[i * tk + j] = MASKED_SCORE;
    causalBias = tf.tensor4d(values, [1, 1, tq, tk]);
  }
  if (!keyMask) return causalBias;
  return tf.tidy(() => {
    const b = keyMask.shape[0];
    const padBias = tf.reshape(tf.mul(tf.sub(1, tf.cast(keyMask, 'float32')), MASKED_SCORE), [b, 1, 1, tk]);
    if (!causalBias) return padBias;
    const both = tf.add(padBias, causalBias);
    causalBias.dispose();
    return both;
  });
}
