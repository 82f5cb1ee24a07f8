import { imagesToTensor, tf, type RgbImage, type VisionLanguageModel } from '@vlalign/core';
import type { LocationPrompt, LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import type { EncodedRows } from '../targets/pixel-rows.js';
import { rowVisualTokens } from './row-visual-tokens.js';

/** Images as the model takes them: decoded RGB images or an already scaled `[B, S, S, 3]` tensor. */
export type ImageInput = readonly RgbImage[] | tf.Tensor4D;

/** The model's input image side. */
export function modelImageSize(model: VisionLanguageModel): number {
  const size = model.config?.vision?.imageSize;
  if (!Number.isInteger(size)) throw new Error('pixelllm: the model has no config.vision.imageSize; PixelLLM needs a VisionLanguageModel');
  return size;
}

/** The LM width of the model (the point head's input and the prompt tokens' width). */
export function modelWidth(model: VisionLanguageModel): number {
  const width = model.config?.lm?.width;
  if (!Number.isInteger(width)) throw new Error('pixelllm: the model has no config.lm.width; PixelLLM needs a VisionLanguageModel');
  return width;
}

/** `images` as a 4-D tensor (a new one the caller disposes, or a clone of the given tensor). */
export function toImageTensor(model: VisionLanguageModel, images: ImageInput): tf.Tensor4D {
  return images instanceof tf.Tensor ? (tf.clone(images) as tf.Tensor4D) : imagesToTensor([...images], modelImageSize(model));
}

/**
 * The VLM inputs that carry the location prompts: the prompt tokens as `extraPrefix` and, when
 * the encoder adds a dense positional encoding or rows share images, the `visualTokens` (see
 * `LocationPromptEncoder.visualTokens`). Without an encoder and `rowImage`, both are undefined.
 */
export function promptInputs(
  model: VisionLanguageModel,
  promptEncoder: LocationPromptEncoder | undefined,
  images: tf.Tensor4D,
  prompts: readonly LocationPrompt[],
  rowImage?: readonly number[],
): { extraPrefix?: tf.Tensor3D; visualTokens?: tf.Tensor3D } {
  return tf.tidy(() => {
    const extraPrefix = promptEncoder ? promptEncoder.forward(prompts) : undefined;
    const visualTokens = promptEncoder ? promptEncoder.visualTokens(model, images, rowImage) : rowImage ? rowVisualTokens(model, images, rowImage) : undefined;
    return { ...(extraPrefix ? { extraPrefix } : {}), ...(visualTokens ? { visualTokens } : {}) };
  });
}

/**
 * One teacher-forced pass with location prompts (see {@link promptInputs}). Returns the
 * text-position logits and pre-vocabulary features, and the visual tokens the LM saw (one row per
 * text row; what the point head's `'visual-attention'` readout attends over).
 *
 * @param images one image per row, or the distinct images when `rowImage` maps rows to them.
 * @param rowImage image index per row: each image is encoded once however many rows use it.
 */
export function promptedForward(
  model: VisionLanguageModel,
  promptEncoder: LocationPromptEncoder | undefined,
  images: tf.Tensor4D,
  rows: Pick<EncodedRows, 'inputIds' | 'attentionMask'>,
  prompts: readonly LocationPrompt[],
  rowImage?: readonly number[],
): { logits: tf.Tensor3D; hidden: tf.Tensor3D; visualTokens: tf.Tensor3D } {
  return tf.tidy(() => {
    const inputs = promptInputs(model, promptEncoder, images, prompts, rowImage);
    // Encoding here rather than inside the VLM costs nothing extra and hands the tokens to the head.
    const visualTokens = inputs.visualTokens ?? rowVisualTokens(model, images, rowImage);
    const { logits, hidden } = model.forward({ images, inputIds: rows.inputIds, attentionMask: rows.attentionMask, extraPrefix: inputs.extraPrefix, visualTokens });
    return { logits, hidden, visualTokens };
  });
}
