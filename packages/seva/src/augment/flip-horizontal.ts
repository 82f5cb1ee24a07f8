import { createRng, tf } from '@vlalign/core';
import { checkImages, checkSeed } from '../check-inputs.js';

/** Options of {@link flipHorizontal}. */
export interface FlipHorizontalOptions {
  /** Probability that each image is flipped. Default 1 (flip all; deterministic). */
  p?: number;
  /** Seed of the per-image coin flips when `0 < p < 1`. */
  seed?: number;
}

/**
 * Mirrors images left-right (torchvision `RandomHorizontalFlip(p)`, one of SeVa's explored
 * augmentations). With the default `p = 1` every image is flipped.
 *
 * @param images `[B, H, W, C]` images (any value range).
 * @returns `[B, H, W, C]` float32 (caller owns it).
 */
export function flipHorizontal(images: tf.Tensor, { p = 1, seed }: FlipHorizontalOptions = {}): tf.Tensor4D {
  const fn = 'flipHorizontal';
  checkImages(images, fn);
  checkSeed(seed, fn);
  if (!(p >= 0 && p <= 1)) throw new Error(`${fn}: p must be in [0, 1]; got ${p}`);
  return tf.tidy(() => {
    const x = tf.cast(images, 'float32');
    const flipped = tf.reverse(x, 2) as tf.Tensor4D;
    if (p === 1) return flipped;
    const rng = createRng(seed ?? Math.floor(Math.random() * 2 ** 31));
    const B = images.shape[0];
    const pick = Array.from({ length: B }, () => (rng() < p ? 1 : 0));
    const m = tf.tensor4d(pick, [B, 1, 1, 1]);
    // m is exactly 0 or 1, so this selects without rounding.
    return tf.add(tf.mul(flipped, m), tf.mul(x, tf.sub(1, m))) as tf.Tensor4D;
  });
}
