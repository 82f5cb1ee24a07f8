import { createRng, tf } from '@vlalign/core';
import { checkImages, checkSeed } from '../check-inputs.js';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from './color-adjust.js';
import { checkValueRange, DEFAULT_VALUE_RANGE, type ValueRange } from './value-range.js';

/** Options of {@link colorJitter}. */
export interface ColorJitterOptions {
  /** Brightness strength b >= 0: factor uniform in `[max(0, 1 - b), 1 + b]`. Default 0 (off). */
  brightness?: number;
  /** Contrast strength, same convention. Default 0 (off). */
  contrast?: number;
  /** Saturation strength, same convention. Default 0 (off). */
  saturation?: number;
  /** Hue strength h in [0, 0.5]: factor uniform in `[-h, h]` (turns of the colour wheel). Default 0 (off). */
  hue?: number;
  /** Seed of the factors and of the order of the adjustments. Omit for a fresh draw. */
  seed?: number;
  /** The images' value range. Default [-1, 1] (`imagesToTensor`). */
  valueRange?: ValueRange;
}

type Adjust = typeof adjustBrightness;

/**
 * Random colour jitter in the manner of torchvision `ColorJitter(brightness, contrast, saturation, hue)`
 * (SeVa's "moco" recipe is 0.4, 0.4, 0.4, 0.1). For each image independently, every enabled
 * adjustment draws its factor uniformly, from `[max(0, 1 - s), 1 + s]` for brightness, contrast and
 * saturation and from `[-h, h]` for hue, and the adjustments are applied in a random order, each
 * clamping to the value range (see {@link adjustBrightness}, {@link adjustContrast},
 * {@link adjustSaturation}, {@link adjustHue}). With hue 0 the draws are those of the jitter
 * without hue, so seeded outputs from before hue existed are unchanged.
 *
 * @param images `[B, H, W, 3]` images in `valueRange`.
 * @returns `[B, H, W, 3]` float32 (caller owns it).
 */
export function colorJitter(images: tf.Tensor, { brightness = 0, contrast = 0, saturation = 0, hue = 0, seed, valueRange = DEFAULT_VALUE_RANGE }: ColorJitterOptions = {}): tf.Tensor4D {
  const fn = 'colorJitter';
  checkImages(images, fn);
  checkSeed(seed, fn);
  checkValueRange(valueRange, fn);
  // Each entry maps a uniform draw u in [0, 1) to its factor. Hue comes last so that, when it is off,
  // the enabled list (hence the shuffle and factor draws) is exactly the hue-less one.
  const strengths: [number, Adjust, (u: number) => number][] = [
    [brightness, adjustBrightness, (u) => multiplicative(brightness, u)],
    [contrast, adjustContrast, (u) => multiplicative(contrast, u)],
    [saturation, adjustSaturation, (u) => multiplicative(saturation, u)],
    [hue, adjustHue, (u) => -hue + u * 2 * hue],
  ];
  for (const [name, s] of [
    ['brightness', brightness],
    ['contrast', contrast],
    ['saturation', saturation],
  ] as const) {
    if (!(Number.isFinite(s) && s >= 0)) throw new Error(`${fn}: ${name} must be a finite number >= 0; got ${s}`);
  }
  if (!(Number.isFinite(hue) && hue >= 0 && hue <= 0.5)) throw new Error(`${fn}: hue must be a finite number in [0, 0.5]; got ${hue}`);
  const rng = createRng(seed ?? Math.floor(Math.random() * 2 ** 31));
  const enabled = strengths.filter(([s]) => s > 0);
  return tf.tidy(() => {
    const out = Array.from({ length: images.shape[0] }, (_, b) => {
      const order = shuffle(enabled, rng);
      let x: tf.Tensor = tf.slice(images, [b, 0, 0, 0], [1, -1, -1, -1]);
      for (const [, adjust, factor] of order) x = adjust(x, factor(rng()), { valueRange });
      return tf.cast(x, 'float32');
    });
    return tf.concat(out, 0) as tf.Tensor4D;
  });
}

function multiplicative(s: number, u: number): number {
  const lo = Math.max(0, 1 - s);
  return lo + u * (1 + s - lo);
}

function shuffle<T>(items: T[], rng: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
