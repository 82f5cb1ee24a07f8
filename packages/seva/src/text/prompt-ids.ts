import type { Tokenizer } from '@vlalign/core';

/**
 * The token ids a prompt starts a sequence with: `[BOS, ...encode(prompt)]`. An empty prompt is the
 * captioning prompt (BOS only), matching `captionBatch`'s `[BOS, caption..., EOS]` layout, so a
 * captioning SFT model answers it with a caption.
 *
 * Generation (pair building, eval) and scoring (the DPO loss) both use this, so the response is
 * always scored after exactly the context it was generated from.
 */
export function promptIds(tokenizer: Tokenizer, prompt: string): number[] {
  return [tokenizer.bosId, ...tokenizer.encode(prompt)];
}
