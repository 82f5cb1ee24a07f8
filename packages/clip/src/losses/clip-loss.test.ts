import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { clipLoss } from './clip-loss.js';
import { lossFixture } from './loss-fixture.js';
import { expectClose } from '../testing/expect-close.js';

describe.each(['wasm', 'cpu'] as const)('clipLoss (%s) vs PyTorch', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(lossFixture.infonce.map((c) => [`N=${c.n} D=${c.d} s=${c.scale.toFixed(2)}`, c] as const))(
    'matches loss and gradients, %s',
    (_, c) => {
      const before = tf.memory().numTensors;
      const img = tf.tensor2d(c.imageFeatures);
      const txt = tf.tensor2d(c.textFeatures);
      const scale = tf.scalar(c.scale);
      const { value, grads } = tf.valueAndGrads((i: tf.Tensor, t: tf.Tensor, s: tf.Tensor) =>
        clipLoss(i as tf.Tensor2D, t as tf.Tensor2D, s as tf.Scalar),
      )([img, txt, scale]);
      const tol = { atol: 2e-5, rtol: 1e-4 };
      expectClose(value.dataSync(), c.loss, { ...tol, label: 'loss' });
      expectClose(grads[0].dataSync(), c.gradImage.flat(), { ...tol, label: 'd/dImage' });
      expectClose(grads[1].dataSync(), c.gradText.flat(), { ...tol, label: 'd/dText' });
      expectClose(grads[2].dataSync(), c.gradScale, { ...tol, label: 'd/dScale' });
      tf.dispose([img, txt, scale, value, ...grads]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('accepts a plain number as the scale', () => {
    const c = lossFixture.infonce[2];
    const loss = tf.tidy(() => clipLoss(tf.tensor2d(c.imageFeatures), tf.tensor2d(c.textFeatures), c.scale).dataSync()[0]);
    expectClose(loss, c.loss, { atol: 2e-5, label: 'loss' });
  });
});

describe('clipLoss input checks', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('names the mismatch', () => {
    tf.tidy(() => {
      expect(() => clipLoss(tf.zeros([3, 4]), tf.zeros([2, 4]), 1)).toThrow(/clipLoss: imageFeatures \[3,4\] and textFeatures \[2,4\]/);
      expect(() => clipLoss(tf.zeros([3]) as unknown as tf.Tensor2D, tf.zeros([3, 4]), 1)).toThrow(/\[N, D\] matrices/);
      expect(() => clipLoss(tf.zeros([2, 4]), tf.zeros([2, 4]), Number.NaN)).toThrow(/logitScale must be a finite number/);
    });
  });
});
