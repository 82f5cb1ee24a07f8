import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './init-backend.js';

// Checks the zero-copy Identity/Cast and the leading-axis Sum installed by initBackend('wasm').
describe('wasm fast paths', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('Sum over leading axes equals a float64 reference (keepDims both ways); other axes unchanged', () => {
    const shape = [3, 4, 5];
    const values = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i) * 10);
    const ref = (axes: number[]) => {
      const out = new Map<string, number>();
      for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 5; k++) {
        const key = [i, j, k].map((v, d) => (axes.includes(d) ? 0 : v)).join(',');
        out.set(key, (out.get(key) ?? 0) + values[i * 20 + j * 5 + k]);
      }
      return [...out.values()];
    };
    tf.tidy(() => {
      const x = tf.tensor3d(values, [3, 4, 5]);
      for (const axes of [[0], [0, 1], [1], [2], [1, 2]]) {
        for (const keepDims of [false, true]) {
          const s = tf.sum(x, axes, keepDims);
          expect(s.shape).toEqual(shape.map((d, i) => (axes.includes(i) ? 1 : d)).filter((_, i) => keepDims || !axes.includes(i)));
          const got = s.dataSync();
          const want = ref(axes);
          for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
        }
      }
      expect(tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0).dataSync()).toEqual(new Int32Array([4, 6]));
    });
  });

  it('Identity and same-dtype Cast share the buffer; disposing either leaves the other intact', () => {
    const before = tf.engine().backend.numDataIds();
    const x = tf.tensor1d([1, 2, 3]);
    const c = tf.clone(x);
    const k = tf.cast(x, 'float32');
    expect(tf.engine().backend.numDataIds()).toBe(before + 1);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    c.dispose();
    expect(Array.from(k.dataSync())).toEqual([1, 2, 3]);
    k.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(before);
    const i = tf.cast(tf.tensor1d([1.7, -2.2]), 'int32');
    expect(Array.from(i.dataSync())).toEqual([1, -2]);
    i.dispose();
  });
});
