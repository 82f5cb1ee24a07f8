import * as tf from '@tensorflow/tfjs-core';

/**
 * Test helper: `max|a - b| / max(max|b|, tiny)`, the norm-relative difference used to compare the
 * fused and plain paths (element-wise relative error is meaningless where values cross zero).
 * `floor` bounds the scale from below, for tensors whose exact value is zero (rounding noise only).
 */
export function relDiff(a: tf.Tensor | number[] | Float32Array, b: tf.Tensor | number[] | Float32Array, floor = 1e-30): number {
  const av = a instanceof tf.Tensor ? a.dataSync() : a;
  const bv = b instanceof tf.Tensor ? b.dataSync() : b;
  if (av.length !== bv.length) throw new Error(`relDiff: lengths differ (${av.length} vs ${bv.length})`);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < av.length; i++) {
    diff = Math.max(diff, Math.abs(av[i] - bv[i]));
    scale = Math.max(scale, Math.abs(bv[i]));
  }
  return diff / scale;
}
