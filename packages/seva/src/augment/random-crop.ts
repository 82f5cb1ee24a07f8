import { createRng, tf } from '@vlalign/core';
import { checkImages, checkSeed } from '../check-inputs.js';

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Seed of the crop offsets; the same seed and shapes give the same crops. Omit for a fresh draw. */
  seed?: number;
}

/**
 * Crops every image at its own uniformly random position (torchvision `RandomCrop(size)` without
 * padding): top in `{0..H-h}`, left in `{0..W-w}`, each drawn per image.
 *
 * @param images `[B, H, W, C]` images.
 * @param size crop size: `s` for `s x s`, or `[h, w]`; must fit inside the image.
 * @returns `[B, h, w, C]` (caller owns it).
 */
export function randomCrop(images: tf.Tensor, size: number | readonly [number, number], { seed }: RandomCropOptions = {}): tf.Tensor4D {
  const fn = 'randomCrop';
  checkImages(images, fn);
  checkSeed(seed, fn);
  const [B, H, W, C] = images.shape;
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || h > H || w > W) {
    throw new Error(`${fn}: size must be positive integers no larger than the image [${H}, ${W}]; got [${h}, ${w}]`);
  }
  const rng = createRng(seed ?? Math.floor(Math.random() * 2 ** 31));
  return tf.tidy(() => {
    const crops = Array.from({ length: B }, (_, b) => {
      const top = Math.floor(rng() * (H - h + 1));
      const left = Math.floor(rng() * (W - w + 1));
      return tf.slice(images, [b, top, left, 0], [1, h, w, C]);
    });
    return tf.concat(crops, 0) as tf.Tensor4D;
  });
}
