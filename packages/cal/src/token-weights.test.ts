import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { calTokenWeights } from './token-weights.js';
import { calFixture } from './fixtures/cal-fixture.js';
import { expectClose } from './testing/expect-close.js';

describe.each(['wasm', 'cpu'] as const)('calTokenWeights (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(calFixture.cases.map((c) => [c.name, c] as const))('matches PyTorch: %s', (_, c) => {
    const before = tf.memory().numTensors;
    const withImg = tf.tensor3d(c.logitsWithImage);
    const withoutImg = tf.tensor3d(c.logitsWithoutImage);
    const labels = tf.tensor2d(c.labels, undefined, 'int32');
    const w = calTokenWeights(withImg, withoutImg, labels, c.options);
    expect(w.shape).toEqual([labels.shape[0], labels.shape[1]]);
    expectClose(w.dataSync(), c.weights.flat(), { atol: 1e-5, rtol: 1e-5, label: 'weights' });
    tf.dispose([withImg, withoutImg, labels, w]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('clamps the raw logit difference to [min, max] (window 1)', () => {
    tf.tidy(() => {
      // V = 2, label 1 everywhere: differences -3, 0.5, 2, 9 -> 1, 1, 2, 5.
      const withImg = tf.tensor3d([[[0, -3], [0, 0.5], [0, 2], [0, 9]]]);
      const withoutImg = tf.zeros([1, 4, 2]);
      const labels = tf.tensor2d([[1, 1, 1, 1]], undefined, 'int32');
      expectClose(calTokenWeights(withImg, withoutImg, labels, { window: 1 }).dataSync(), [1, 1, 2, 5], { label: 'clamped' });
      expectClose(calTokenWeights(withImg, withoutImg, labels, { window: 1, min: -1, max: 3 }).dataSync(), [-1, 0.5, 2, 3], {
        label: 'custom range',
      });
    });
  });

  it('smooths within each sequence, skipping ignored positions and never crossing rows', () => {
    tf.tidy(() => {
      // Differences (after clamping to [1, 5]): row 0 = 2 4 _ 5 1 ; row 1 = 3 3 3 1 _.
      const diffs = [
        [2, 4, 0, 5, 1],
        [3, 3, 3, 1, 0],
      ];
      const withImg = tf.tensor3d(diffs.map((r) => r.map((d) => [d])));
      const withoutImg = tf.zeros([2, 5, 1]);
      const labels = tf.tensor2d(
        [
          [0, 0, -100, 0, 0],
          [0, 0, 0, 0, -100],
        ],
        undefined,
        'int32',
      );
      const w = calTokenWeights(withImg, withoutImg, labels).arraySync();
      // Row ends average 2 values, the hole contributes nothing, ignored positions are 0.
      expectClose(w[0], [(2 + 4) / 2, (2 + 4) / 2, 0, (5 + 1) / 2, (5 + 1) / 2], { label: 'row 0' });
      expectClose(w[1], [3, 3, (3 + 3 + 1) / 3, (3 + 1) / 2, 0], { label: 'row 1' });
    });
  });

  it('is a constant: no gradient reaches either logit tensor', () => {
    const before = tf.memory().numTensors;
    const c = calFixture.cases[0];
    const withImg = tf.tensor3d(c.logitsWithImage);
    const withoutImg = tf.tensor3d(c.logitsWithoutImage);
    const labels = tf.tensor2d(c.labels, undefined, 'int32');
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(calTokenWeights(a, b, labels)))([withImg, withoutImg]);
    expect(grads[0].shape).toEqual(withImg.shape);
    const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);
    expect(maxAbs(grads[0])).toBe(0);
    expect(maxAbs(grads[1])).toBe(0);
    tf.dispose([withImg, withoutImg, labels, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('calTokenWeights input checks', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('names the bad field', () => {
    tf.tidy(() => {
      const l = tf.zeros([2, 3, 4]);
      const y = tf.zeros([2, 3], 'int32');
      expect(() => calTokenWeights(l, tf.zeros([2, 3, 5]), y)).toThrow(/calTokenWeights: logitsWithImage \[2,3,4\] and logitsWithoutImage \[2,3,5\]/);
      expect(() => calTokenWeights(l, l, tf.zeros([2, 3]))).toThrow(/labels must be int32/);
      expect(() => calTokenWeights(l, l, tf.zeros([2, 4], 'int32'))).toThrow(/logitsWithImage must be \[B, T, V\] matching labels \[2,4\]/);
      expect(() => calTokenWeights(l, l, y, { window: 2 })).toThrow(/window must be a positive odd integer/);
      expect(() => calTokenWeights(l, l, y, { min: 5, max: 1 })).toThrow(/min <= max/);
    });
  });
});
