import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import fixture from '../fixtures/point-loss.fixture.json';
import { pointLoss } from './point-loss.js';
import { expectAllClose } from '../testing/expect-close.js';

interface Case {
  name: string;
  shape: [number, number, number, number];
  pred: number[];
  target: number[];
  mask: number[];
  loss: number;
  gradPred: number[];
}

describe('pointLoss', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  for (const c of fixture.cases as Case[]) {
    it(`matches the PyTorch reference: ${c.name}`, () => {
      const [b, t] = c.shape;
      const pred = tf.tensor(c.pred, c.shape);
      const target = tf.tensor(c.target, c.shape);
      const mask = tf.tensor2d(c.mask, [b, t]);
      const { value, grads } = tf.valueAndGrads((p: tf.Tensor) => pointLoss(p, target, mask))([pred]);
      expect(value.dataSync()[0]).toBeCloseTo(c.loss, 4);
      expectAllClose(grads[0].dataSync(), c.gradPred, 1e-5);
      tf.dispose([pred, target, mask, value, ...grads]);
    });
  }

  it('ignores masked tokens entirely, whatever their values', () => {
    tf.tidy(() => {
      const pred = tf.tensor4d([0, 0, 1, 1, 0.5, 0.5, 0.5, 0.5], [1, 2, 2, 2]);
      const target = tf.tensor4d([1, 1, 1, 1, 99, 99, 99, 99], [1, 2, 2, 2]);
      // Token 0: |0-1|, |0-1|, 0, 0 -> mean 0.5. Token 1 is masked.
      expect(pointLoss(pred, target, tf.tensor2d([[1, 0]])).dataSync()[0]).toBeCloseTo(0.5, 6);
      expect(pointLoss(pred, target, tf.tensor2d([[0, 0]])).dataSync()[0]).toBe(0);
    });
  });

  it('keeps its meaning on the cpu backend', async () => {
    await initBackend('cpu');
    const c = fixture.cases[0] as Case;
    const v = tf.tidy(() => pointLoss(tf.tensor(c.pred, c.shape), tf.tensor(c.target, c.shape), tf.tensor2d(c.mask, c.shape.slice(0, 2) as [number, number])).dataSync()[0]);
    expect(v).toBeCloseTo(c.loss, 4);
    await initBackend('wasm');
  });

  it('rejects mismatched shapes with a clear message', () => {
    tf.tidy(() => {
      expect(() => pointLoss(tf.zeros([1, 2, 2, 2]), tf.zeros([1, 3, 2, 2]), tf.zeros([1, 2]))).toThrow(/target/);
      expect(() => pointLoss(tf.zeros([1, 2, 2, 2]), tf.zeros([1, 2, 2, 2]), tf.zeros([2, 2]))).toThrow(/mask/);
      expect(() => pointLoss(tf.zeros([1, 2, 4]), tf.zeros([1, 2, 4]), tf.zeros([1, 2]))).toThrow(/\[B, T, P, 2\]/);
    });
  });
});
