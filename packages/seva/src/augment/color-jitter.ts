import { createRng, tf } from '@vlalign/core';
import { checkImages, checkSeed } from '../check-inputs.js';
import { adjustBrightness, adjustContrast, adjustSaturation } from './color-adjust.js';
import { checkValueRange, DEFAULT_VALUE_RANGE, type ValueRange } from './value-range.js';

/** Options of {@link colorJitter}. */
export interface ColorJitterOptions {
  /** Brightness strength b >= 0: factor uniform in `[max(0, 1 - b), 1 + b]`. Default 0 (off). */
  brightness?: number;
  /** Contrast strength, same convention. Default 0 (off). */
  contrast?: number;
  /** Saturation strength, same convention. Default 0 (off). */
  saturation?: number;
  /** Seed of the factors and of the order of the adjustments. Omit for a fresh draw. */
  seed?: number;
  /** The images' value range. Default [-1, 1] (`imagesToTensor`). */
  valueRange?: ValueRange;
}

type Adjust = typeof adjustBrightness;

/**
 * Random colour jitter in the manner of torchvision `ColorJitter(brightness, contrast, saturation)`
 * (SeVa's "moco" recipe uses 0.4, 0.4, 0.4 plus hue 0.1; hue is not implemented here). For each
 * image independently, every enabled adjustment draws its factor uniformly from
 * `[max(0, 1 - s), 1 + s]`, and the adjustments are applied in a random order, each clamping to the
 * value range (see {@link adjustBrightness}, {@link adjustContrast}, {@link adjustSaturation}).
 *
 * @param images `[B, H, W, 3]` images in `valueRange`.
 * @returns `[B, H, W, 3]` float32 (caller owns it).
 */
export function colorJitter(images: tf.Tensor, { brightness = 0, contrast = 0, saturation = 0, seed, valueRange = DEFAULT_VALUE_RANGE }: ColorJitterOptions = {}): tf.Tensor4D {
  const fn = 'colorJitter';
  checkImages(images, fn);
  checkSeed(seed, fn);
  checkValueRange(valueRange, fn);
  const strengths: [number, Adjust][] = [
    [brightness, adjustBrightness],
    [contrast, adjustContrast],
    [saturation, adjustSaturation],
  ];
  for (const [name, s] of [
    ['brightness', brightness],
    ['contrast', contrast],
    ['saturation', saturation],
  ] as const) {
    if (!(Number.isFinite(s) && s >= 0)) throw new Error(`${fn}: ${name} must be a finite number >= 0; got ${s}`);
  }
  const rng = createRng(seed ?? Math.floor(Math.random() * 2 ** 31));
  const enabled = strengths.filter(([s]) => s > 0);
  return tf.tidy(() => {
    const out = Array.from({ length: images.shape[0] }, (_, b) => {
      const order = shuffle(enabled, rng);
      let x: tf.Tensor = tf.slice(images, [b, 0, 0, 0], [1, -1, -1, -1]);
      for (const [s, adjust] of order) {
        const lo = Math.max(0, 1 - s);
        x = adjust(x, lo + rng() * (1 + s - lo), { valueRange });
      }
      return tf.cast(x, 'float32');
    });
    return tf.concat(out, 0) as tf.Tensor4D;
  });
}

function shuffle<T>(items: T[], rng: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
