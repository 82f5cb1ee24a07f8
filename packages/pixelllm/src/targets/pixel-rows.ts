import { captionBatch, tf, type Box, type Sample, type Tokenizer } from '@vlalign/core';
import type { LocationPrompt } from '../prompt/location-prompt-encoder.js';

/**
 * One row of a PixelLLM batch: a location prompt, the text after BOS, and which losses apply.
 * Rows of different tasks (dense captioning, location-conditioned captioning, referring) share a
 * batch and one forward pass.
 */
export interface PixelRow {
  /** The prompt (normalised box or point); `WHOLE_IMAGE_BOX` for ordinary captioning. */
  prompt: LocationPrompt;
  /** The text; it is tokenised as `[BOS, ...tokenizer.encode(text), EOS]` (as `captionBatch`). */
  text: string;
  /** Whether the next-token loss is taken on this row (false for referring rows, as in PixelLLM). */
  captionLoss: boolean;
  /**
   * Box target per text token (index i = the i-th token of `tokenizer.encode(text)`), or null for
   * tokens without one. Absent: no point loss on this row.
   */
  tokenBoxes?: (Box | null)[];
  /** Optional tag per text token (e.g. the word's role), carried to {@link EncodedRows.tokenTags}. */
  tokenTags?: (string | undefined)[];
}

/** {@link PixelRow}s as tensors. Dispose the tensors (or build inside a tidy). */
export interface EncodedRows {
  /** `[B, T]` int32 `[BOS, tokens…, EOS, PAD…]` (from `captionBatch`). */
  inputIds: tf.Tensor2D;
  /** `[B, T]` float 0/1 valid text tokens. */
  attentionMask: tf.Tensor2D;
  /** `[B, T]` int32 next-token labels aligned with the logits (-100 ignored), from `captionBatch`. */
  labels: tf.Tensor2D;
  /** `[B, 1]` float: 1 on rows that take the caption loss. */
  captionRows: tf.Tensor2D;
  /** `[B, T, 2, 2]` normalised target points: position t holds the target of the token AT t. */
  pointTargets: tf.Tensor4D;
  /** `[B, T]` float: 1 where position t has a point target (never BOS, EOS or padding). */
  pointMask: tf.Tensor2D;
  /** Token ids per row without padding. */
  ids: number[][];
  /** Per row, per position: the tag of the token at that position (undefined for BOS/EOS/none). */
  tokenTags: (string | undefined)[][];
  /** Fraction of rows with the caption loss. */
  captionFraction: number;
  /** Fraction of rows with at least one point target. */
  pointFraction: number;
}

/**
 * Tokenises rows with `captionBatch` (so the text convention is exactly the trainer's) and lays the
 * point targets out on the positions that hold their tokens: the feature at position t predicts
 * the points of the token at t, so the target of text token i (0-based) sits at position i + 1,
 * after BOS. BOS, EOS and padding get no target. Rows cut at `maxLength` keep the targets of the
 * tokens that remain.
 */
export function encodeRows(rows: readonly PixelRow[], tokenizer: Tokenizer, maxLength: number): EncodedRows {
  if (rows.length === 0) throw new Error('encodeRows: got no rows');
  const samples: Sample[] = rows.map((r, i) => ({ id: `row-${i}`, text: r.text }));
  const batch = captionBatch(samples, tokenizer, { maxLength, field: 'text' });
  const [B, T] = batch.inputIds.shape;
  const targets = new Float32Array(B * T * 4);
  const mask = new Float32Array(B * T);
  const tags: (string | undefined)[][] = [];
  let withPoints = 0;
  rows.forEach((r, b) => {
    const rowTags = new Array<string | undefined>(T).fill(undefined);
    const len = batch.lengths[b];
    let any = false;
    for (let t = 1; t < len; t++) {
      const id = batch.ids[b][t];
      if (id === tokenizer.eosId || id === tokenizer.padId || id === tokenizer.bosId) continue;
      rowTags[t] = r.tokenTags?.[t - 1];
      const box = r.tokenBoxes?.[t - 1];
      if (!box) continue;
      targets.set(box, (b * T + t) * 4);
      mask[b * T + t] = 1;
      any = true;
    }
    if (any) withPoints++;
    tags.push(rowTags);
  });
  const captionFlags = rows.map((r) => (r.captionLoss ? 1 : 0));
  return {
    inputIds: batch.inputIds,
    attentionMask: batch.attentionMask,
    labels: batch.labels,
    captionRows: tf.tensor2d(captionFlags, [B, 1]),
    pointTargets: tf.tensor4d(targets, [B, T, 2, 2]),
    pointMask: tf.tensor2d(mask, [B, T]),
    ids: batch.ids,
    tokenTags: tags,
    captionFraction: captionFlags.reduce<number>((a, v) => a + v, 0) / B,
    pointFraction: withPoints / B,
  };
}

/** Disposes the tensors of {@link EncodedRows}. */
export function disposeRows(rows: EncodedRows): void {
  tf.dispose([rows.inputIds, rows.attentionMask, rows.labels, rows.captionRows, rows.pointTargets, rows.pointMask]);
}
