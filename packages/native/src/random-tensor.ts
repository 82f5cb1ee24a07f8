import { tf } from '@vlalign/core';

/** Deterministic uniform(-scale, scale) float32 tensor (mulberry32), for self-tests and tests. */
export function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  let s = seed >>> 0;
  const n = shape.reduce((p, q) => p * q, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return tf.tensor(values, shape, 'float32');
}

/** Deterministic int32 tensor of values in [0, high). */
export function randomInts(shape: number[], high: number, seed: number): tf.Tensor {
  let s = seed >>> 0;
  const n = shape.reduce((p, q) => p * q, 1);
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = Math.floor((s / 4294967296) * high);
  }
  return tf.tensor(values, shape, 'int32');
}
