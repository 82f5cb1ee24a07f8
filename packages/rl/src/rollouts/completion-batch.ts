import { IGNORE_INDEX, crossEntropyPerToken, tf, type Tokenizer } from '@vlalign/core';
import type { Completion, GenerativeVlm } from './types.js';

/** Teacher-forcing inputs that reproduce completions. The caller owns the tensors. */
export interface CompletionBatch {
  /** `[R, T]` int32: `[BOS, c_0, ..., c_{L-2}, PAD...]` (the last token is never an input). */
  inputIds: tf.Tensor2D;
  /** `[R, T]` int32 targets aligned with the logits: `[c_0, ..., c_{L-1}, -100...]`. */
  labels: tf.Tensor2D;
  /** `[R, T]` float32: 1 on the L completion tokens (EOS included), 0 on padding. */
  mask: tf.Tensor2D;
}

/**
 * Builds the teacher-forced batch whose position t predicts completion token t, so a forward pass
 * gives the log-probs of exactly the sampled tokens (no shifting needed afterwards). T is the
 * longest completion.
 */
export function completionBatch(completions: readonly Pick<Completion, 'ids'>[], tokenizer: Pick<Tokenizer, 'bosId' | 'padId'>): CompletionBatch {
  if (completions.length === 0) throw new Error('completionBatch: no completions');
  completions.forEach((c, i) => {
    if (c.ids.length === 0) throw new Error(`completionBatch: completion ${i} has no tokens`);
  });
  const R = completions.length;
  const T = Math.max(...completions.map((c) => c.ids.length));
  const input = new Int32Array(R * T).fill(tokenizer.padId);
  const labels = new Int32Array(R * T).fill(IGNORE_INDEX);
  const mask = new Float32Array(R * T);
  completions.forEach(({ ids }, r) => {
    input[r * T] = tokenizer.bosId;
    for (let t = 0; t < ids.length; t++) {
      if (t + 1 < ids.length) input[r * T + t + 1] = ids[t];
      labels[r * T + t] = ids[t];
      mask[r * T + t] = 1;
    }
  });
  return {
    inputIds: tf.tensor2d(input, [R, T], 'int32'),
    labels: tf.tensor2d(labels, [R, T], 'int32'),
    mask: tf.tensor2d(mask, [R, T], 'float32'),
  };
}

/**
 * Per-token log-probs `[R, T]` of the completion tokens under `model` (0 on padding),
 * differentiable when called inside a gradient tape: `-crossEntropy(logits, labels)`.
 *
 * @param images `[R, S, S, 3]`, one image per completion row.
 */
export function completionLogProbs(model: Pick<GenerativeVlm, 'forward'>, images: tf.Tensor4D, batch: CompletionBatch): tf.Tensor2D {
  return tf.tidy(() => {
    const { logits } = model.forward({ images, inputIds: batch.inputIds, attentionMask: batch.mask });
    return tf.neg(crossEntropyPerToken(logits, batch.labels)) as tf.Tensor2D;
  });
}
