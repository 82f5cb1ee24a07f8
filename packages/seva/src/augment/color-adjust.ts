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

function factorTensor(factor: Factor, batch: number, fn: string, arg = 'factor', valid = (v: number) => v >= 0, expected = '>= 0'): tf.Tensor4D {
  const values = typeof factor === 'number' ? new Array<number>(batch).fill(factor) : [...factor];
  if (values.length !== batch) throw new Error(`${fn}: ${arg} must be a number or one number per image (${batch}); got ${values.length}`);
  values.forEach((v, i) => {
    if (!(Number.isFinite(v) && valid(v))) throw new Error(`${fn}: ${arg}[${i}] must be a finite number ${expected}; got ${v}`);
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

/**
 * Hue: rotates each pixel's hue by `hueFactor` turns (torchvision `adjust_hue`): RGB to HSV on [0, 1]
 * pixels, `h = (h + f) mod 1`, back to RGB. Saturation and value are kept, so grey pixels
 * (max = min, whose hue is taken as 0) do not change; `f = 0` is the identity and `f = ±0.5` gives
 * the complementary hue. `hueFactor` is one number in [-0.5, 0.5] or one per image.
 */
export function adjustHue(images: tf.Tensor, hueFactor: Factor, { valueRange = DEFAULT_VALUE_RANGE }: ColorAdjustOptions = {}): tf.Tensor4D {
  const fn = 'adjustHue';
  checkImages(images, fn);
  checkValueRange(valueRange, fn);
  if (images.shape[3] !== 3) throw new Error(`${fn}: images must have 3 (RGB) channels; got ${images.shape[3]}`);
  const [lo, hi] = valueRange;
  return tf.tidy(() => {
    const f = factorTensor(hueFactor, images.shape[0], fn, 'hueFactor', (v) => v >= -0.5 && v <= 0.5, 'in [-0.5, 0.5]');
    const x01 = tf.div(tf.sub(tf.cast(images, 'float32'), lo), hi - lo);
    const [h, s, v] = rgbToHsv(x01);
    // h is [B, H, W] (channels reduced away), so the per-image factor drops its channel axis.
    const rgb = hsvToRgb(fracPart(tf.add(h, tf.squeeze(f, [3]))), s, v);
    return tf.add(tf.mul(tf.clipByValue(rgb, 0, 1), hi - lo), lo) as tf.Tensor4D;
  });
}

// x - floor(x): a floor-mod by 1 that lands in [0, 1) for negative shifts too, as Python's `%`;
// written out rather than tf.mod so every backend gives the same sign convention.
function fracPart(x: tf.Tensor): tf.Tensor {
  return tf.sub(x, tf.floor(x));
}

/** `[..., 3]` RGB in [0, 1] to `[...]` hue (turns, [0, 1)), saturation and value, as torchvision `_rgb2hsv`. */
function rgbToHsv(x01: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const [r, g, b] = tf.unstack(x01, -1);
  const v = tf.max(x01, -1);
  const chroma = tf.sub(v, tf.min(x01, -1));
  const grey = tf.equal(chroma, 0);
  const one = tf.onesLike(v);
  // Grey pixels (and black, where v = 0) would divide by zero: s is 0 for them and their hue is
  // irrelevant once s = 0, so a denominator of 1 keeps NaN out without changing any result.
  const s = tf.div(chroma, tf.where(grey, one, v));
  const c = tf.where(grey, one, chroma);
  const [rc, gc, bc] = [r, g, b].map((ch) => tf.div(tf.sub(v, ch), c));
  const maxIsR = tf.equal(v, r);
  const maxIsG = tf.logicalAnd(tf.equal(v, g), tf.logicalNot(maxIsR));
  // Sixths of a turn from the channel holding the max; ties go to r, then g, as torchvision.
  const h6 = tf.where(maxIsR, tf.sub(bc, gc), tf.where(maxIsG, tf.add(2, tf.sub(rc, bc)), tf.add(4, tf.sub(gc, rc))));
  // A grey pixel has r = max and rc = gc = bc = 0, so h6 is already 0: torchvision's hue of 0.
  return [fracPart(tf.add(tf.div(h6, 6), 1)), s, v];
}

/** Inverse of {@link rgbToHsv} for hue in [0, 1], as torchvision `_hsv2rgb`; returns `[..., 3]`. */
function hsvToRgb(h: tf.Tensor, s: tf.Tensor, v: tf.Tensor): tf.Tensor {
  const h6 = tf.mul(h, 6);
  const fl = tf.floor(h6);
  const f = tf.sub(h6, fl);
  // h can round up to exactly 1 in float32; sector 6 is sector 0 with f = 0, the same colour.
  const sector = tf.sub(fl, tf.mul(tf.floor(tf.div(fl, 6)), 6));
  const p = tf.clipByValue(tf.mul(v, tf.sub(1, s)), 0, 1);
  const q = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, f))), 0, 1);
  const t = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, tf.sub(1, f)))), 0, 1);
  const pick = (bySector: tf.Tensor[]): tf.Tensor => bySector.reduceRight((rest, value, k) => tf.where(tf.equal(sector, k), value, rest));
  return tf.stack([pick([v, q, p, p, t, v]), pick([t, v, v, q, p, p]), pick([p, p, t, v, v, q])], -1);
}
