import type { Tokenizer } from '@vlalign/core';
import type { CaptionSource } from './caption-source.js';

/** Per-position flag masks aligned with a `captionBatch`'s labels. */
export interface LabelFlagMasks {
  /** `[B * T]` row-major 0/1: the label at this position is a visual word. */
  visual: Float32Array;
  /** `[B * T]` row-major 0/1: the label at this position is a filler word. */
  filler: Float32Array;
  /** Rows whose flags were used (the tokenizer split the text into exactly the flagged tokens). */
  rowsWithFlags: number;
  visualCount: number;
  fillerCount: number;
}

/**
 * Places each row's per-word flags on the label positions of a `captionBatch`.
 *
 * `captionBatch` builds `ids = [BOS, w_0 .. w_{n-1}, EOS]` (cut to `maxLength`) and
 * `labels[t] = ids[t + 1]`, so word `w_k` is the label at position `k`; the EOS label (position n)
 * and padding carry no flag. Flags are used only when the tokenizer splits the text into exactly
 * the flagged tokens (same count, and the same strings when it can map them), otherwise the row is
 * left out: a subword tokenizer would shift them.
 *
 * @param ids the batch's `ids` (per row, with BOS/EOS, without padding)
 * @param T the padded length of the batch tensors
 */
export function labelFlagMasks(sources: readonly CaptionSource[], ids: readonly (readonly number[])[], T: number, tokenizer: Tokenizer): LabelFlagMasks {
  const B = sources.length;
  const visual = new Float32Array(B * T);
  const filler = new Float32Array(B * T);
  let rowsWithFlags = 0;
  let visualCount = 0;
  let fillerCount = 0;
  sources.forEach((src, b) => {
    if (!src.tokens || (!src.isVisual && !src.isFiller)) return;
    const encoded = tokenizer.encode(src.text);
    if (encoded.length !== src.tokens.length) return;
    for (let k = 0; k < encoded.length; k++) {
      const id = tokenizer.tokenToId(src.tokens[k]);
      if (id !== undefined && id !== encoded[k]) return;
    }
    rowsWithFlags++;
    // Labels exist at positions 0 .. ids.length - 2; the last of those is EOS unless the row was cut.
    const scored = Math.min(src.tokens.length, ids[b].length - 1);
    for (let k = 0; k < scored; k++) {
      if (src.isVisual?.[k]) {
        visual[b * T + k] = 1;
        visualCount++;
      }
      if (src.isFiller?.[k]) {
        filler[b * T + k] = 1;
        fillerCount++;
      }
    }
  });
  return { visual, filler, rowsWithFlags, visualCount, fillerCount };
}
