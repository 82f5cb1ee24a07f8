import { initBackend, tf } from '@vlalign/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { alphaBar } from '../diffusion-noise.js';
import { augmentForPairs } from './augment-for-pairs.js';

describe('augmentForPairs', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const images = () => tf.tensor4d(Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => ((i * 37) % 200) / 100 - 1), [2, 4, 4, 3]);

  it('keeps the shape, is seeded, and does what each kind says', () => {
    const x = images();
    const before = tf.memory().numTensors;
    for (const kind of ['diffusion', 'flip', 'crop', 'jitter'] as const) {
      const a = augmentForPairs(x, kind, { seed: 5 });
      const b = augmentForPairs(x, kind, { seed: 5 });
      expect(a.shape).toEqual([2, 4, 4, 3]);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([a, b]);
    }
    expect(tf.memory().numTensors).toBe(before);
    // flip mirrors the width axis: pixel (y, x) comes from (y, W-1-x).
    const ft = augmentForPairs(x, 'flip', { seed: 1 });
    const f = ft.arraySync();
    ft.dispose();
    const xs = x.arraySync();
    expect(f[1][2][0]).toEqual(xs[1][2][3]);
    // A full-size crop resized to the same size is the identity.
    const c = augmentForPairs(x, 'crop', { seed: 3, cropScale: 1 });
    expect(Array.from(c.dataSync())).toEqual(Array.from(x.dataSync()));
    // Diffusion at t keeps sqrt(alpha_bar_t) of the signal: its mean over a constant image says so.
    const ones = tf.ones([1, 32, 32, 3]) as tf.Tensor4D;
    const d = augmentForPairs(ones, 'diffusion', { seed: 9, t: 500 });
    const m = tf.mean(d);
    expect(m.dataSync()[0]).toBeCloseTo(Math.sqrt(alphaBar(500)), 1);
    tf.dispose([x, c, ones, d, m]);
    expect(() => augmentForPairs(x, 'flip', { seed: 0 })).toThrow(/seed must be a positive integer/);
  });
});
