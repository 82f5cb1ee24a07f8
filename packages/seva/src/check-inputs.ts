import { tf } from '@vlalign/core';

/** A `[B]` float tensor from a tensor (passed through, so gradients reach it) or a number array. */
export function asVector(value: tf.Tensor | readonly number[], fn: string, field: string): tf.Tensor1D {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new Error(`${fn}: ${field}[${i}] must be a finite number; got ${v}`);
    });
    return tf.tensor1d(value as number[], 'float32');
  }
  const t = value as tf.Tensor;
  if (t.rank !== 1) throw new Error(`${fn}: ${field} must be a [B] vector; got shape [${t.shape}]`);
  return (t.dtype === 'float32' ? t : tf.cast(t, 'float32')) as tf.Tensor1D;
}

/** Throws unless `images` is a 4-D `[B, H, W, C]` tensor. */
export function checkImages(images: tf.Tensor, fn: string): void {
  if (images.rank !== 4) throw new Error(`${fn}: images must be [B, H, W, C]; got shape [${images.shape}]`);
}

/** Throws unless `seed` is undefined or a finite number. */
export function checkSeed(seed: number | undefined, fn: string): void {
  if (seed !== undefined && !Number.isFinite(seed)) throw new Error(`${fn}: seed must be a finite number; got ${seed}`);
}
