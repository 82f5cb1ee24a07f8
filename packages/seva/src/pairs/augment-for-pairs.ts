import { tf } from '@vlalign/core';
import { colorJitter } from '../augment/color-jitter.js';
import { flipHorizontal } from '../augment/flip-horizontal.js';
import { randomCrop } from '../augment/random-crop.js';
import { diffusionNoise } from '../diffusion-noise.js';

/** The image corruptions {@link makePreferencePairs} can answer the rejected response on. */
export const PAIR_AUGMENTATIONS = ['diffusion', 'flip', 'crop', 'jitter'] as const;
export type PairAugmentation = (typeof PAIR_AUGMENTATIONS)[number];

/** Settings of {@link augmentForPairs}. */
export interface AugmentForPairsOptions {
  /** Diffusion step for `'diffusion'` (SeVa: 500 recommended, 800 headline). Default 500. */
  t?: number;
  /** Side of the `'crop'` window as a fraction of the image side, before resizing back. Default 0.75. */
  cropScale?: number;
  /** Seed of the noise / crop position / jitter factors; must be > 0 (tfjs treats 0 as "unseeded"). */
  seed: number;
}

/**
 * Corrupts model-ready images (`imagesToTensor` output, in [-1, 1]) the SeVa way, keeping their shape:
 * - `'diffusion'`: forward diffusion noise at step `t` ({@link diffusionNoise}; SeVa's released choice);
 * - `'flip'`: horizontal mirror (a mild augmentation SeVa shows VLMs are already sensitive to);
 * - `'crop'`: a random `cropScale` crop resized back to full size (RandomResizedCrop-like);
 * - `'jitter'`: colour jitter with brightness, contrast and saturation 0.4 and hue 0.1 (SeVa's "moco"
 *   recipe, torchvision `ColorJitter(0.4, 0.4, 0.4, 0.1)`).
 *
 * @returns a new `[B, H, W, 3]` tensor (caller owns it).
 */
export function augmentForPairs(images: tf.Tensor4D, kind: PairAugmentation, { t = 500, cropScale = 0.75, seed }: AugmentForPairsOptions): tf.Tensor4D {
  if (!(Number.isInteger(seed) && seed > 0)) throw new Error(`augmentForPairs: seed must be a positive integer; got ${seed}`);
  switch (kind) {
    case 'diffusion':
      return diffusionNoise(images, t, { seed });
    case 'flip':
      return flipHorizontal(images);
    case 'crop': {
      if (!(cropScale > 0 && cropScale <= 1)) throw new Error(`augmentForPairs: cropScale must be in (0, 1]; got ${cropScale}`);
      const [, h, w] = images.shape;
      return tf.tidy(() => {
        const crop = randomCrop(images, [Math.max(1, Math.round(h * cropScale)), Math.max(1, Math.round(w * cropScale))], { seed });
        return tf.image.resizeBilinear(crop, [h, w], false, true);
      });
    }
    case 'jitter':
      return colorJitter(images, { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, seed });
    default:
      throw new Error(`augmentForPairs: augmentation must be one of ${PAIR_AUGMENTATIONS.join(', ')}; got ${JSON.stringify(kind)}`);
  }
}
