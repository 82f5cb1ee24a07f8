import { imagesToTensor, tf, type RgbImage } from '@vlalign/core';
import type { DynamicVisualTokenizer } from './dynamic-visual-tokenizer.js';

/** One image's discrete tokens. */
export interface ImageTokens {
  /** Codebook ids of the kept tokens, in raster order (length = number of kept tokens). */
  ids: number[];
  /** Patch indices of the kept tokens (same order as `ids`). */
  patches: number[];
}

/**
 * Tokenises patch features `[B, N, D]` in inference mode (deterministic selection, no gradient):
 * one variable-length id sequence per image. The module's training mode is restored afterwards.
 */
export function tokenizeFeatures(tokenizer: DynamicVisualTokenizer, features: tf.Tensor3D): ImageTokens[] {
  const wasTraining = tokenizer.training;
  tokenizer.eval();
  try {
    const [b, n] = features.shape;
    const { keepValues, indices } = tf.tidy(() => {
      const x = tokenizer.center(features);
      const { keep, keepValues } = tokenizer.selector.forward(x);
      const z = tokenizer.encode(tokenizer.merger.forward(x, keep));
      const q = tokenizer.codebook.quantize(tf.reshape(z, [b * n, tokenizer.config.codeDim]) as tf.Tensor2D);
      return { keepValues, indices: q.indices.dataSync() as Int32Array };
    });
    const out: ImageTokens[] = [];
    for (let r = 0; r < b; r++) {
      const ids: number[] = [];
      const patches: number[] = [];
      for (let i = 0; i < n; i++) {
        if (keepValues[r * n + i] > 0.5) {
          ids.push(indices[r * n + i]);
          patches.push(i);
        }
      }
      out.push({ ids, patches });
    }
    return out;
  } finally {
    tokenizer.train(wasTraining);
  }
}

/**
 * Tokenises images with the tokenizer's attached vision tower (see `attachVision`): one
 * variable-length codebook id sequence per image.
 */
export function tokenizeImages(tokenizer: DynamicVisualTokenizer, images: readonly RgbImage[]): ImageTokens[] {
  const vit = tokenizer.vision;
  const wasTraining = vit.training;
  vit.eval();
  try {
    const features = tf.tidy(() => vit.forward(imagesToTensor([...images], vit.config.imageSize)).tokens);
    try {
      return tokenizeFeatures(tokenizer, features);
    } finally {
      features.dispose();
    }
  } finally {
    vit.train(wasTraining);
  }
}

/**
 * The visual id sequence of one image: codebook indices of the tokens the selector keeps, in
 * raster order. Its length follows the image's content.
 *
 * @example
 * tokenizer.attachVision(vlm.vision);
 * const ids = tokenizeImage(tokenizer, sample.image); // e.g. [517, 3, 88, ...]
 */
export function tokenizeImage(tokenizer: DynamicVisualTokenizer, image: RgbImage): number[] {
  return tokenizeImages(tokenizer, [image])[0].ids;
}
