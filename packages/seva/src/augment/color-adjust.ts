import { tf } from '@vlalign/core';
import { checkImages } from '../check-inputs.js';
import { checkValueRange, DEFAULT_VALUE_RANGE, type ValueRange } from './value-range.js';

/** Options shared by the colour adjustments. */
export interface ColorAdjustOptions {
  /** The images' value range; they are mapped to [0, 1], adjusted and clamped, and mapped back. Default [-1, 1]. */
  valueRange?: ValueRange;
}

type Factor = number | readonly number[];

// ITU-R 601-2 luma, as torchvision's rgb_to_grayscale.
const LUMA = [0.2989, 0.587, 0.114];

function factorTensor(factor: Factor, batch: number, fn: string): tf.Tensor4D {
  const values = typeof factor === 'number' ? new Array<number>(batch).fill(factor) : [...factor];
  if (values.length !== batch) throw new Error(`${fn}: factor must be a number or one number per image (${batch}); got ${values.length}`);
  values.forEach((v, i) => {
    if (!(Number.isFinite(v) && v >= 0)) throw new Error(`${fn}: factor[${i}] must be a finite number >= 0; got ${v}`);
  });
  return tf.tensor4d(values, [batch, 1, 1, 1]);
}

function gray(x01: tf.Tensor): tf.Tensor {
  return tf.sum(tf.mul(x01, tf.tensor1d(LUMA)), -1, true);
}

/**
 * Shared frame: check, map to [0, 1], blend `f * x + (1 - f) * other(x)`, clamp to [0, 1], map back.
 * This is torchvision's `_blend` for float images.
 */
function blendAdjust(images: tf.Tensor, factor: Factor, valueRange: ValueRange, fn: string, other: (x01: tf.Tensor) => tf.Tensor | null): tf.Tensor4D {
  checkImages(images, fn);
  checkValueRange(valueRange, fn);
  if (images.shape[3] !== 3) throw new Error(`${fn}: images must have 3 (RGB) channels; got ${images.shape[3]}`);
  const [lo, hi] = valueRange;
  return tf.tidy(() => {
    const f = factorTensor(factor, images.shape[0], fn);
    const x01 = tf.div(tf.sub(tf.cast(images, 'float32'), lo), hi - lo);
    const o = other(x01);
    const blended = o === null ? tf.mul(x01, f) : tf.add(tf.mul(x01, f), tf.mul(o, tf.sub(1, f)));
    return tf.add(tf.mul(tf.clipByValue(blended, 0, 1), hi - lo), lo) as tf.Tensor4D;
  });
}

/**
 * Brightness: `clamp(f * x, 0, 1)` on [0, 1] pixels (torchvision `adjust_brightness`).
 * `f = 0` gives black, 1 the original. `factor` is one number or one per image.
 */
export function adjustBrightness(images: tf.Tensor, factor: Factor, { valueRange = DEFAULT_VALUE_RANGE }: ColorAdjustOptions = {}): tf.Tensor4D {
  return blendAdjust(images, factor, valueRange, 'adjustBrightness', () => null);
}

/**
 * Contrast: `clamp(f * x + (1 - f) * m, 0, 1)` with m the mean grey level of each image
 * (torchvision `adjust_contrast`). `f = 0` gives a uniform grey image, 1 the original.
 */
export function adjustContrast(images: tf.Tensor, factor: Factor, { valueRange = DEFAULT_VALUE_RANGE }: ColorAdjustOptions = {}): tf.Tensor4D {
  return blendAdjust(images, factor, valueRange, 'adjustContrast', (x01) => tf.mean(gray(x01), [1, 2, 3], true));
}

/**
 * Saturation: `clamp(f * x + (1 - f) * gray(x), 0, 1)` per pixel (torchvision `adjust_saturation`).
 * `f = 0` gives the greyscale image, 1 the original.
 */
export function adjustSaturation(images: tf.Tensor, factor: Factor, { valueRange = DEFAULT_VALUE_RANGE }: ColorAdjustOptions = {}): tf.Tensor4D {
  return blendAdjust(images, factor, valueRange, 'adjustSaturation', gray);
}
