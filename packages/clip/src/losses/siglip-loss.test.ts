import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { siglipLoss } from './siglip-loss.js';
import { lossFixture } from './loss-fixture.js';
import { expectClose } from '../testing/expect-close.js';

describe.each(['wasm', 'cpu'] as const)('siglipLoss (%s) vs PyTorch', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(lossFixture.siglip.map((c) => [`N=${c.n} D=${c.d} s=${c.scale.toFixed(2)} b=${c.bias}`, c] as const))(
    'matches loss and gradients, %s',
    (_, c) => {
      const before = tf.memory().numTensors;
      const inputs = [tf.tensor2d(c.imageFeatures), tf.tensor2d(c.textFeatures), tf.scalar(c.scale), tf.scalar(c.bias!)];
      const { value, grads } = tf.valueAndGrads((i: tf.Tensor, t: tf.Tensor, s: tf.Tensor, b: tf.Tensor) =>
        siglipLoss(i as tf.Tensor2D, t as tf.Tensor2D, s as tf.Scalar, b as tf.Scalar),
      )(inputs);
      const tol = { atol: 2e-5, rtol: 1e-4 };
      expectClose(value.dataSync(), c.loss, { ...tol, label: 'loss' });
      expectClose(grads[0].dataSync(), c.gradImage.flat(), { ...tol, label: 'd/dImage' });
      expectClose(grads[1].dataSync(), c.gradText.flat(), { ...tol, label: 'd/dText' });
      expectClose(grads[2].dataSync(), c.gradScale, { ...tol, label: 'd/dScale' });
      expectClose(grads[3].dataSync(), c.gradBias!, { ...tol, label: 'd/dBias' });
      tf.dispose([...inputs, value, ...grads]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('stays finite for huge logits, value and gradient', () => {
    // One-hot features, s = 1000, b = -10: diagonal logits 990 (term -log σ(990) = 0 in float32),
    // off-diagonal logits -10 (term -log σ(10) = softplus(-10) each, 6 of them, divided by N = 3).
    const [value, gradScale] = tf.tidy(() => {
      const eye = tf.eye(3) as tf.Tensor2D;
      const { value, grads } = tf.valueAndGrads((s: tf.Tensor) => siglipLoss(eye, eye, s as tf.Scalar, -10))([tf.scalar(1000)]);
      return [value.dataSync()[0], grads[0].dataSync()[0]];
    });
    expectClose(value, (6 * Math.log1p(Math.exp(-10))) / 3, { atol: 1e-6, label: 'loss' });
    // d/ds = -σ(-990)·1/N ≈ 0 (only the diagonal depends on s, off-diagonal dot products are 0).
    expect(Number.isFinite(gradScale)).toBe(true);
    expect(Math.abs(gradScale)).toBeLessThan(1e-6);
  });
});
