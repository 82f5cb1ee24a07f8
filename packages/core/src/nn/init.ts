import * as tf from '@tensorflow/tfjs-core';
import { tfSeed } from './seed.js';

/** Standard deviation used for weights and embeddings (GPT-2 / ViT convention). */
export const DEFAULT_INIT_STD = 0.02;

/**
 * Truncated normal (cut at two standard deviations), seeded. tfjs generates the numbers in JS, so
 * the same seed gives the same values on every backend.
 */
export function truncatedNormalInit(shape: number[], seed: number, std = DEFAULT_INIT_STD): tf.Tensor {
  return tf.truncatedNormal(shape, 0, std, 'float32', tfSeed(seed));
}
