import { tf } from '@vlalign/core';

/** A `[N]` float32 tensor from a tensor (passed through) or a number array. */
export function asVector(value: tf.Tensor | readonly number[], fn: string, field: string): tf.Tensor1D {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new Error(`${fn}: ${field}[${i}] must be a finite number; got ${v}`);
    });
    return tf.tensor1d(value as number[], 'float32');
  }
  const t = value as tf.Tensor;
  if (t.rank !== 1) throw new Error(`${fn}: ${field} must be a vector; got shape [${t.shape}]`);
  return (t.dtype === 'float32' ? t : tf.cast(t, 'float32')) as tf.Tensor1D;
}

/** Throws unless `t` is `[B, T]` with the given shape. */
export function checkMatrix(t: tf.Tensor, shape: readonly number[], fn: string, field: string): void {
  if (t.rank !== 2 || t.shape[0] !== shape[0] || t.shape[1] !== shape[1]) {
    throw new Error(`${fn}: ${field} must be [B, T] = [${shape}]; got shape [${t.shape}]`);
  }
}

/** Throws unless `length` splits into groups of `groupSize >= minSize`. */
export function checkGroups(length: number, groupSize: number, fn: string, minSize = 2): void {
  if (!Number.isInteger(groupSize) || groupSize < minSize) throw new Error(`${fn}: groupSize must be an integer >= ${minSize}; got ${groupSize}`);
  if (length === 0 || length % groupSize !== 0) throw new Error(`${fn}: rewards length ${length} must be a positive multiple of groupSize ${groupSize}`);
}
