import * as tf from '@tensorflow/tfjs-core';
import type { Sample, Tokenizer } from '../data/types.js';

/** The label value that {@link crossEntropyPerToken} skips (PyTorch's default `ignore_index`). */
export const IGNORE_INDEX = -100;

/** Options of {@link captionBatch}. */
export interface CaptionBatchOptions {
  /** Longest sequence including BOS and EOS; longer texts are cut on the right (losing EOS). */
  maxLength: number;
  /** Sample field holding the text: a string, or an array of strings. Default `'captions'`. */
  field?: string;
  /** Which element to take when the field is an array. Default 0. */
  index?: number;
  /**
   * `'longest'` (default) pads to the longest sequence in the batch, `'max'` always to
   * `maxLength` (fixed shapes).
   */
  padTo?: 'longest' | 'max';
}

/** A tokenised text batch for next-token training. Dispose the tensors (or let a tidy do it). */
export interface CaptionBatch {
  /** `[B, T]` int32: `[BOS, tokens..., EOS, PAD...]`. */
  inputIds: tf.Tensor2D;
  /**
   * `[B, T]` int32 next-token targets ALIGNED WITH THE LOGITS: the logits a causal model computes
   * at position `t` (having seen `inputIds[0..t]`) predict `labels[t] = inputIds[t + 1]`. Positions
   * whose target would be padding, and the last position, hold {@link IGNORE_INDEX} (-100). So a
   * sequence `[BOS, a, b, EOS]` has labels `[a, b, EOS, -100]`: no shifting is needed afterwards.
   */
  labels: tf.Tensor2D;
  /** `[B, T]` float32: 1 on real tokens (BOS..EOS), 0 on padding. */
  attentionMask: tf.Tensor2D;
  /** Real tokens per row (BOS and EOS included). */
  lengths: number[];
  /** The token ids per row (without padding), for metrics and debugging. */
  ids: number[][];
}

/** The text at `field` (and `index` when it is an array) of a sample, with a clear error otherwise. */
export function sampleText(sample: Sample, field: string, index = 0): string {
  const value = sample[field];
  const text = Array.isArray(value) ? value[index] : value;
  if (typeof text !== 'string') {
    const where = Array.isArray(value) ? `"${field}"[${index}] (the array has ${value.length} entries)` : `"${field}"`;
    throw new Error(`Sample "${sample.id}" has no text at field ${where}; expected ${Array.isArray(value) ? 'a string there' : 'a string or an array of strings'}, got ${value === undefined ? 'nothing' : typeof text}`);
  }
  return text;
}

/**
 * Tokenises one text per sample into a padded next-token batch (see {@link CaptionBatch} for the
 * exact alignment of `labels`).
 *
 * @example
 * const b = captionBatch(samples, tokenizer, { maxLength: 32 });
 * const { logits } = vlm.forward({ images, inputIds: b.inputIds, attentionMask: b.attentionMask });
 * const loss = maskedMeanCrossEntropy(logits, b.labels);
 */
export function captionBatch(samples: readonly Sample[], tokenizer: Tokenizer, options: CaptionBatchOptions): CaptionBatch {
  const { maxLength, field = 'captions', index = 0, padTo = 'longest' } = options;
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`captionBatch: maxLength must be an integer >= 2 (room for BOS and EOS); got ${maxLength}`);
  if (samples.length === 0) throw new Error('captionBatch: got an empty batch');
  const ids = samples.map((s) => [tokenizer.bosId, ...tokenizer.encode(sampleText(s, field, index)), tokenizer.eosId].slice(0, maxLength));
  const T = padTo === 'max' ? maxLength : Math.max(...ids.map((r) => r.length));
  const B = ids.length;
  const input = new Int32Array(B * T).fill(tokenizer.padId);
  const labels = new Int32Array(B * T).fill(IGNORE_INDEX);
  const mask = new Float32Array(B * T);
  ids.forEach((row, b) => {
    for (let t = 0; t < row.length; t++) {
      input[b * T + t] = row[t];
      mask[b * T + t] = 1;
      if (t + 1 < row.length) labels[b * T + t] = row[t + 1];
    }
  });
  return {
    inputIds: tf.tensor2d(input, [B, T], 'int32'),
    labels: tf.tensor2d(labels, [B, T], 'int32'),
    attentionMask: tf.tensor2d(mask, [B, T], 'float32'),
    lengths: ids.map((r) => r.length),
    ids,
  };
}
