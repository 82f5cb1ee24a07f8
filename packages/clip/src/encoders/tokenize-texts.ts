import { tf, type Tokenizer } from '@vlalign/core';

/** Token ids of a batch of texts, as the text towers take them. */
export interface TokenizedTexts {
  /** `[B, T]` int32: `[BOS, tokens..., EOS, PAD...]`, T = the longest text in the batch. */
  ids: tf.Tensor2D;
  /** Valid tokens per row, BOS and EOS included (the towers pool at `length - 1`, the EOS). */
  lengths: number[];
}

/**
 * Tokenises texts for a text encoder: BOS, the tokens (truncated so the row fits `maxLength`), EOS,
 * then padding. The caller owns `ids`.
 */
export function tokenizeTexts(texts: readonly string[], tokenizer: Tokenizer, maxLength: number): TokenizedTexts {
  if (!Number.isInteger(maxLength) || maxLength < 3) {
    throw new Error(`tokenizeTexts: maxLength must be an integer >= 3 (BOS, one token, EOS); got ${maxLength}`);
  }
  if (texts.length === 0) throw new Error('tokenizeTexts: no texts given');
  const rows = texts.map((text) => [tokenizer.bosId, ...tokenizer.encode(text).slice(0, maxLength - 2), tokenizer.eosId]);
  const width = Math.max(...rows.map((r) => r.length));
  const flat = new Int32Array(rows.length * width).fill(tokenizer.padId);
  rows.forEach((r, i) => flat.set(r, i * width));
  return { ids: tf.tensor2d(flat, [rows.length, width], 'int32'), lengths: rows.map((r) => r.length) };
}
