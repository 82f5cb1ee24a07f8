import { IGNORE_INDEX, tf, type Tokenizer } from '@vlalign/core';
import type { UnifiedVocabulary } from './unified-vocabulary.js';

/** Which order an image-text pair is presented in. */
export type PairOrder = 'image-first' | 'text-first';

/**
 * One interleaved training sequence: `[BOS] [IMG] v.. [/IMG] caption [EOS]` (image-first, trains
 * image-to-text) or `[BOS] caption [IMG] v.. [/IMG] [EOS]` (text-first, trains text-to-image).
 */
export function pairSequence(vocab: UnifiedVocabulary, tokenizer: Tokenizer, codes: readonly number[], caption: string, order: PairOrder): number[] {
  const text = tokenizer.encode(caption);
  const image = vocab.imageSpan(codes);
  return order === 'image-first' ? [tokenizer.bosId, ...image, ...text, tokenizer.eosId] : [tokenizer.bosId, ...text, ...image, tokenizer.eosId];
}

/** A padded next-token batch (labels aligned with the logits, as core's `captionBatch`). */
export interface SequenceBatch {
  /** `[B, T]` int32. */
  inputIds: tf.Tensor2D;
  /** `[B, T]` int32: `labels[t] = inputIds[t + 1]`, -100 on padding and the last position. */
  labels: tf.Tensor2D;
  /** `[B, T]` float32 1 on real tokens. */
  attentionMask: tf.Tensor2D;
}

/** Pads sequences (cut to `maxLength`) into a next-token batch; loss is on every modality. */
export function sequenceBatch(sequences: readonly number[][], padId: number, maxLength: number): SequenceBatch {
  if (sequences.length === 0) throw new Error('sequenceBatch: no sequences');
  const rows = sequences.map((s) => s.slice(0, maxLength));
  const t = Math.max(...rows.map((r) => r.length));
  const b = rows.length;
  const ids = new Int32Array(b * t).fill(padId);
  const labels = new Int32Array(b * t).fill(IGNORE_INDEX);
  const mask = new Float32Array(b * t);
  rows.forEach((row, r) => {
    row.forEach((id, i) => {
      ids[r * t + i] = id;
      mask[r * t + i] = 1;
      if (i + 1 < row.length) labels[r * t + i] = row[i + 1];
    });
  });
  return { inputIds: tf.tensor2d(ids, [b, t], 'int32'), labels: tf.tensor2d(labels, [b, t], 'int32'), attentionMask: tf.tensor2d(mask, [b, t]) };
}
