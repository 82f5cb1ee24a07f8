import { imagesToTensor, tf, type RgbImage, type Tokenizer, type VisionLanguageModel } from '@vlalign/core';
import { promptIds } from './prompt-ids.js';

/** Options of {@link greedyAnswers}. */
export interface GreedyAnswersOptions {
  /** Longest answer in tokens (EOS included). */
  maxNewTokens: number;
}

/**
 * Greedy answers of a vision-language model to one text prompt per image, decoded to text
 * (special tokens dropped; generation stops at EOS).
 *
 * @param images `[B, H, W, 3]` model-ready image tensor (not disposed), or decoded images.
 * @param prompts one prompt text per image (`''` = the captioning prompt, BOS only).
 * @returns per row the decoded text and the generated ids (EOS stripped).
 */
export async function greedyAnswers(
  model: VisionLanguageModel,
  tokenizer: Tokenizer,
  images: tf.Tensor4D | RgbImage[],
  prompts: readonly string[],
  { maxNewTokens }: GreedyAnswersOptions,
): Promise<{ texts: string[]; ids: number[][] }> {
  const owned = Array.isArray(images);
  const x = owned ? imagesToTensor(images, model.config.vision.imageSize) : images;
  try {
    if (x.shape[0] !== prompts.length) throw new Error(`greedyAnswers: ${x.shape[0]} images for ${prompts.length} prompts`);
    const { ids } = await model.generate(x, {
      prompt: prompts.map((p) => promptIds(tokenizer, p)),
      maxNewTokens,
      temperature: 0,
      stopTokens: [tokenizer.eosId],
      padId: tokenizer.padId,
    });
    const stripped = ids.map((row) => row.filter((id) => id !== tokenizer.eosId));
    return { texts: stripped.map((row) => tokenizer.decode(row)), ids: stripped };
  } finally {
    if (owned) x.dispose();
  }
}
