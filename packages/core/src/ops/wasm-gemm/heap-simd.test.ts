import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend/init-backend.js';
import { fusedAdamWUpdate } from '../adamw-update.js';
import { fusedGelu } from '../gelu.js';
import { fusedLayerNorm } from '../layer-norm.js';
import { heapSimdFor, setHeapSimdKernels } from './heap-simd.js';

/** Values spread over [-scale, scale] (a deterministic LCG, independent of tfjs). */
function values(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale;
  }
  return out;
}

/** Largest |a - b| / (1 + |b|). */
function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}

/** Runs `f` with the SIMD kernels on and off; returns both results. */
function bothWays(f: () => Float32Array[]): { simd: Float32Array[]; js: Float32Array[] } {
  setHeapSimdKernels(true);
  const simd = f();
  setHeapSimdKernels(false);
  const js = f();
  setHeapSimdKernels(true);
  return { simd, js };
}

describe('wasm SIMD heap kernels (GELU, LayerNorm, AdamW) against the JS loops', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(() => setHeapSimdKernels(true));

  it('binds to tfjs heap views only', () => {
    const t = tf.tensor1d([1, 2, 3, 4]);
    const heapView = (tf.backend() as unknown as { typedArrayFromHeap(i: tf.TensorInfo): Float32Array }).typedArrayFromHeap(t);
    expect(heapSimdFor(heapView)).toBeDefined();
    expect(heapSimdFor(new Float32Array(4))).toBeUndefined();
    setHeapSimdKernels(false);
    expect(heapSimdFor(heapView)).toBeUndefined();
    setHeapSimdKernels(true);
    t.dispose();
  });

  it('GELU and its gradient agree, saturated inputs (|x| up to 12) and odd lengths included; tensor count flat', () => {
    const before = tf.memory().numTensors;
    for (const n of [1, 7, 1027]) {
      const x = values(n, n, 12);
      const dy = values(n, n + 1, 2);
      const { simd, js } = bothWays(() =>
        tf.tidy(() => {
          const xt = tf.tensor1d(x);
          const [y, dx] = [fusedGelu(xt), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(fusedGelu(v), tf.tensor1d(dy))))(xt)];
          return [y.dataSync() as Float32Array, dx.dataSync() as Float32Array];
        }),
      );
      expect(maxRelErr(simd[0], js[0])).toBeLessThan(2e-6);
      expect(maxRelErr(simd[1], js[1])).toBeLessThan(2e-6);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('LayerNorm forward and gradients agree (D = 128 and D = 6, a tail past the lanes)', () => {
    for (const d of [128, 6]) {
      const rows = 33;
      const x = values(rows * d, d, 3);
      const gamma = values(d, d + 1, 1.5);
      const beta = values(d, d + 2);
      const dy = values(rows * d, d + 3);
      const { simd, js } = bothWays(() =>
        tf.tidy(() => {
          const xt = tf.tensor2d(x, [rows, d]);
          const g = tf.tensor1d(gamma);
          const b = tf.tensor1d(beta);
          const y = fusedLayerNorm(xt, g, b, 1e-5);
          const grads = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(fusedLayerNorm(a, gg, bb, 1e-5), tf.tensor2d(dy, [rows, d]))))([xt, g, b]);
          return [y, ...grads].map((t) => t.dataSync() as Float32Array);
        }),
      );
      simd.forEach((v, i) => expect(maxRelErr(v, js[i])).toBeLessThan(1e-5));
    }
  });

  it('AdamW update agrees with the float64 JS loop (odd length, decay, bias correction)', () => {
    const n = 1003;
    const attrs = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.999 ** 3, decay: 1 - 1e-3 * 0.01 };
    const { simd, js } = bothWays(() =>
      tf.tidy(() => {
        const v = tf.abs(tf.tensor1d(values(n, 4, 1e-3)));
        const out = fusedAdamWUpdate(tf.tensor1d(values(n, 1)), tf.tensor1d(values(n, 2, 0.1)), v, tf.tensor1d(values(n, 3, 0.5)), attrs);
        return out.map((t) => t.dataSync() as Float32Array);
      }),
    );
    simd.forEach((v, i) => expect(maxRelErr(v, js[i])).toBeLessThan(1e-6));
  });
});
