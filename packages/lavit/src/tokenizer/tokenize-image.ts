import { imagesToTensor, tf, type RgbImage } from '@vlalign/core';
import type { DynamicVisualTokenizer } from './dynamic-visual-tokenizer.js';
import { keepProbabilities } from '../selector/calibrate-threshold.js';

/** One image's discrete tokens. */
export interface ImageTokens {
  /** Codebook ids of the kept tokens, in raster order (length = number of kept tokens). */
  ids: number[];
  /** Patch indices of the kept tokens (same order as `ids`). */
  patches: number[];
}

/** Options of {@link tokenizeFeatures}. */
export interface TokenizeFeaturesOptions {
  /**
   * Stochastic selection, as LaVIT's released inference: keep each token by a hard Gumbel sample of
   * the selector's keep probability with this seed (at least the most likely token per image).
   * Default: deterministic (`p_keep >= threshold`, at least `minTokens`).
   */
  sampleSeed?: number;
}

/**
 * Tokenises patch features `[B, N, D]` in inference mode (no gradient): one variable-length id
 * sequence per image. The module's training mode is restored afterwards.
 */
export function tokenizeFeatures(tokenizer: DynamicVisualTokenizer, features: tf.Tensor3D, options: TokenizeFeaturesOptions = {}): ImageTokens[] {
  const wasTraining = tokenizer.training;
  tokenizer.eval();
  try {
    const [b, n] = features.shape;
    const { keepValues, indices } = tf.tidy(() => {
      const x = tokenizer.center(features);
      const { keep, keepValues } = options.sampleSeed === undefined ? tokenizer.selector.forward(x) : sampledKeep(tokenizer, x, options.sampleSeed);
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

/** A hard Gumbel keep sample (no straight-through needed here), at least the argmax token per image. */
function sampledKeep(tokenizer: DynamicVisualTokenizer, x: tf.Tensor3D, seed: number): { keep: tf.Tensor2D; keepValues: Float32Array } {
  const [b, n] = x.shape;
  const sel = tokenizer.selector;
  sel.train();
  let keepValues: Float32Array;
  try {
    keepValues = Float32Array.from(sel.forward(x, seed).keepValues);
  } finally {
    sel.eval();
  }
  const probs = keepProbabilities(sel, x);
  for (let r = 0; r < b; r++) {
    let any = false;
    let best = 0;
    for (let i = 0; i < n; i++) {
      if (keepValues[r * n + i] > 0.5) any = true;
      if (probs[r * n + i] > probs[r * n + best]) best = i;
    }
    if (!any) keepValues[r * n + best] = 1;
  }
  return { keep: tf.tensor2d(keepValues, [b, n]), keepValues };
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
