import type { CausalLM, SamplingOptions, Tokenizer } from '@vlalign/core';
import { restrictedGenerate } from './restricted-generate.js';
import type { UnifiedVocabulary } from './unified-vocabulary.js';

/** Options of {@link captionFromVisualIds}. */
export interface CaptionFromIdsOptions extends SamplingOptions {
  /** Most caption tokens. Default 24. */
  maxNewTokens?: number;
  seed?: number;
}

/**
 * Image-to-text with a unified LM: prompts `[BOS] [IMG] v.. [/IMG]` for each image's visual code
 * ids and decodes text only (visual ids and `[IMG]`/`[/IMG]` suppressed) until EOS. Greedy by default.
 *
 * @param codes codebook ids per image (e.g. from `tokenizeImages`)
 * @returns one caption per image
 */
export async function captionFromVisualIds(lm: CausalLM, vocab: UnifiedVocabulary, tokenizer: Tokenizer, codes: readonly (readonly number[])[], options: CaptionFromIdsOptions = {}): Promise<string[]> {
  const allowed = new Uint8Array(vocab.size);
  allowed.fill(1, 0, vocab.textVocabSize);
  for (const special of [tokenizer.padId, tokenizer.bosId]) allowed[special] = 0;
  const prompts = codes.map((c) => [tokenizer.bosId, ...vocab.imageSpan(c)]);
  const ids = await restrictedGenerate(lm, prompts, { ...options, allowed, maxNewTokens: options.maxNewTokens ?? 24, stopTokens: [tokenizer.eosId], padId: tokenizer.padId });
  return ids.map((row) => tokenizer.decode(row.filter((id) => id !== tokenizer.eosId)));
}

/** Options of {@link generateVisualIds}. */
export interface GenerateVisualIdsOptions extends SamplingOptions {
  /** Fewest visual ids before `[/IMG]` may end the image. Default 1. */
  minTokens?: number;
  /** Most visual ids. Default: the LM's room. */
  maxTokens?: number;
  seed?: number;
}

/**
 * Text-to-image ids with a unified LM: prompts `[BOS] caption [IMG]` and decodes visual ids only,
 * until `[/IMG]` (LaVIT suppresses the text ids and bounds the length). Decode the result to
 * features with `DynamicVisualTokenizer.decodeIds`.
 *
 * @returns codebook ids per caption
 */
export async function generateVisualIds(lm: CausalLM, vocab: UnifiedVocabulary, tokenizer: Tokenizer, captions: readonly string[], options: GenerateVisualIdsOptions = {}): Promise<number[][]> {
  const allowed = new Uint8Array(vocab.size);
  allowed.fill(1, vocab.visualOffset);
  const prompts = captions.map((c) => [tokenizer.bosId, ...tokenizer.encode(c), vocab.imageStart]);
  const ids = await restrictedGenerate(lm, prompts, {
    ...options,
    allowed,
    maxNewTokens: (options.maxTokens ?? lm.config.maxLength) + 1,
    minNewTokens: options.minTokens ?? 1,
    stopTokens: [vocab.imageEnd],
    padId: tokenizer.padId,
  });
  return ids.map((row) => row.filter((id) => vocab.isVisual(id)).map((id) => vocab.codeOf(id)!));
}
