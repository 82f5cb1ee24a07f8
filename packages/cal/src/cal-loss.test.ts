import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { calLoss } from './cal-loss.js';
import { calTokenWeights } from './token-weights.js';
import { calFixture } from './fixtures/cal-fixture.js';
import { expectClose } from './testing/expect-close.js';

describe.each(['wasm', 'cpu'] as const)('calLoss (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(calFixture.cases.map((c) => [c.name, c] as const))('matches PyTorch loss and d/dlogits: %s', (_, c) => {
    const before = tf.memory().numTensors;
    const logits = tf.tensor3d(c.logitsWithImage);
    const withoutImg = tf.tensor3d(c.logitsWithoutImage);
    const labels = tf.tensor2d(c.labels, undefined, 'int32');
    const { ignoreIndex } = c.options;
    // The weights are computed from the same logits inside the differentiated function, as the
    // plugin will: they must act as constants.
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => calLoss(x, labels, calTokenWeights(x, withoutImg, labels, c.options), { ignoreIndex }))([
      logits,
    ]);
    expectClose(value.dataSync(), c.loss, { atol: 1e-5, rtol: 1e-5, label: 'loss' });
    expectClose(grads[0].dataSync(), c.gradLogits.flat(2), { atol: 1e-6, rtol: 1e-4, label: 'd/dlogits' });
    tf.dispose([logits, withoutImg, labels, value, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reduces to token-mean cross-entropy with unit weights', () => {
    tf.tidy(() => {
      const logits = tf.tensor3d([[[1, 2, 0], [0.5, -1, 2], [3, 0, 0]]]);
      const labels = tf.tensor2d([[1, -100, 0]], undefined, 'int32');
      const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
      const expected = (lse([1, 2, 0]) - 2 + lse([3, 0, 0]) - 3) / 2;
      expectClose(calLoss(logits, labels, tf.ones([1, 3])).dataSync(), expected, { atol: 1e-5, label: 'loss' });
    });
  });

  it('sends no gradient to the weights', () => {
    tf.tidy(() => {
      const logits = tf.randomNormal([1, 3, 4], 0, 1, 'float32', 3);
      const labels = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
      const [g] = tf.grads((w: tf.Tensor) => calLoss(logits, labels, w))([tf.fill([1, 3], 2)]);
      expect(tf.max(tf.abs(g)).dataSync()[0]).toBe(0);
    });
  });
});

describe('calLoss input checks', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('names the bad field', () => {
    tf.tidy(() => {
      const l = tf.zeros([2, 3, 4]);
      const y = tf.zeros([2, 3], 'int32');
      expect(() => calLoss(l, y, tf.ones([2, 4]))).toThrow(/calLoss: weights must be \[B, T\] like labels \[2,3\]/);
      expect(() => calLoss(l, y, tf.ones([2, 3]), { ignoreIndex: 0.5 })).toThrow(/ignoreIndex must be an integer/);
    });
  });
});
