import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { clipLoss } from './clip-loss.js';
import { lossFixture } from './loss-fixture.js';
import negativesFixture from '../fixtures/negatives.fixture.json';
import { expectClose } from '../testing/expect-close.js';

interface NegativesCase {
  n: number;
  m: number;
  d: number;
  scale: number;
  imageFeatures: number[][];
  textFeatures: number[][];
  negativeFeatures: number[][];
  loss: number;
  gradImage: number[][];
  gradText: number[][];
  gradNegative: number[][];
  gradScale: number;
}
const cases = (negativesFixture as unknown as { cases: NegativesCase[] }).cases;

describe.each(['wasm', 'cpu'] as const)('clipLoss with hard negatives (%s) vs PyTorch (make-negatives-fixture.py)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(cases.map((c) => [`N=${c.n} M=${c.m} D=${c.d} s=${c.scale.toFixed(2)}`, c] as const))('matches loss and gradients, %s', (_, c) => {
    const before = tf.memory().numTensors;
    const img = tf.tensor2d(c.imageFeatures);
    const txt = tf.tensor2d(c.textFeatures);
    const neg = tf.tensor2d(c.negativeFeatures);
    const scale = tf.scalar(c.scale);
    const { value, grads } = tf.valueAndGrads((i: tf.Tensor, t: tf.Tensor, n: tf.Tensor, s: tf.Tensor) =>
      clipLoss(i as tf.Tensor2D, t as tf.Tensor2D, s as tf.Scalar, n as tf.Tensor2D),
    )([img, txt, neg, scale]);
    const tol = { atol: 2e-5, rtol: 1e-4 };
    expectClose(value.dataSync(), c.loss, { ...tol, label: 'loss' });
    expectClose(grads[0].dataSync(), c.gradImage.flat(), { ...tol, label: 'd/dImage' });
    expectClose(grads[1].dataSync(), c.gradText.flat(), { ...tol, label: 'd/dText' });
    expectClose(grads[2].dataSync(), c.gradNegative.flat(), { ...tol, label: 'd/dNegative' });
    expectClose(grads[3].dataSync(), c.gradScale, { ...tol, label: 'd/dScale' });
    tf.dispose([img, txt, neg, scale, value, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('negatives raise the loss above plain InfoNCE, and zero negatives give plain InfoNCE', () => {
    const c = cases[3];
    tf.tidy(() => {
      const img = tf.tensor2d(c.imageFeatures);
      const txt = tf.tensor2d(c.textFeatures);
      const plain = clipLoss(img, txt, c.scale).dataSync()[0];
      expect(clipLoss(img, txt, c.scale, tf.tensor2d(c.negativeFeatures)).dataSync()[0]).toBeGreaterThan(plain + 1e-3);
      expectClose(clipLoss(img, txt, c.scale, tf.zeros([0, c.d]) as tf.Tensor2D).dataSync()[0], plain, { atol: 1e-6, label: 'M=0' });
      const p = lossFixture.infonce[4];
      expectClose(clipLoss(tf.tensor2d(p.imageFeatures), tf.tensor2d(p.textFeatures), p.scale, tf.zeros([0, p.d]) as tf.Tensor2D).dataSync()[0], p.loss, {
        atol: 2e-5,
        label: 'M=0 vs plain fixture',
      });
    });
  });

  it('rejects negatives of the wrong width', () => {
    tf.tidy(() => {
      expect(() => clipLoss(tf.zeros([2, 4]), tf.zeros([2, 4]), 1, tf.zeros([3, 5]) as tf.Tensor2D)).toThrow(/negativeTextFeatures must be an \[M, 4\]/);
    });
  });
});
