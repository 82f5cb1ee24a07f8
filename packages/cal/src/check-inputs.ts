import { tf } from '@vlalign/core';

/** Throws unless `labels` is an int32 `[B, T]` tensor. */
export function checkLabels(labels: tf.Tensor, fn: string, field = 'labels'): void {
  if (labels.rank !== 2) throw new Error(`${fn}: ${field} must be [B, T]; got shape [${labels.shape}]`);
  if (labels.dtype !== 'int32') throw new Error(`${fn}: ${field} must be int32; got ${labels.dtype}`);
}

/** Throws unless `logits` is `[B, T, V]` with the leading shape of `labels`. */
export function checkLogits(logits: tf.Tensor, labels: tf.Tensor, fn: string, field = 'logits'): void {
  if (logits.rank !== 3 || logits.shape[0] !== labels.shape[0] || logits.shape[1] !== labels.shape[1]) {
    throw new Error(`${fn}: ${field} must be [B, T, V] matching labels [${labels.shape}]; got shape [${logits.shape}]`);
  }
}

/** Throws unless `ignoreIndex` is an integer (labels are int32). */
export function checkIgnoreIndex(ignoreIndex: number, fn: string): void {
  if (!Number.isInteger(ignoreIndex)) throw new Error(`${fn}: ignoreIndex must be an integer; got ${ignoreIndex}`);
}
