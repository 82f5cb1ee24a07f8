import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import fixture from '../fixtures/lavit.fixture.json';
import { commitmentLoss, quantizeStraightThrough, vectorQuantize } from './vector-quantize.js';
import { l2Normalize } from './l2-normalize.js';

const close = (a: number[] | number[][], b: number[] | number[][], tol = 1e-5) => {
  const fa = (a as number[]).flat(2) as number[];
  const fb = (b as number[]).flat(2) as number[];
  expect(fa.length).toBe(fb.length);
  fa.forEach((v, i) => expect(v).toBeCloseTo(fb[i], -Math.log10(tol)));
};

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`vectorQuantize vs PyTorch (${backend})`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });
    const { vq } = fixture;

    it('picks the cosine-nearest code and returns the normalised code vector', () => {
      const before = tf.memory().numTensors;
      const z = tf.tensor2d(vq.z);
      const c = tf.tensor2d(vq.codebook);
      const { indices, quantized } = vectorQuantize(z, c);
      expect(Array.from(indices.dataSync())).toEqual(vq.indices);
      close(quantized.arraySync(), vq.quantized);
      tf.dispose([z, c, indices, quantized]);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('straight-through: forward is the code, gradient reaches z as if z_q were ẑ', () => {
      const z = tf.tensor2d(vq.z);
      const c = tf.tensor2d(vq.codebook);
      const w = tf.tensor2d(vq.w);
      const grad = tf.grad((x: tf.Tensor) => {
        const zHat = l2Normalize(x as tf.Tensor2D);
        const { quantized } = vectorQuantize(zHat, c);
        const zq = quantizeStraightThrough(zHat, quantized);
        return tf.sum(tf.mul(zq, w));
      })(z);
      close(grad.arraySync() as number[][], vq.grad_straight_through, 1e-4);
      const value = tf.tidy(() => {
        const zHat = l2Normalize(z);
        return quantizeStraightThrough(zHat, vectorQuantize(zHat, c).quantized);
      });
      close(value.arraySync(), vq.quantized);
      tf.dispose([z, c, w, grad, value]);
    });

    it('commitment loss and its gradient (codes held constant)', () => {
      const z = tf.tensor2d(vq.z);
      const codes = tf.tensor2d(vq.quantized);
      const mask = tf.tensor1d(vq.row_mask);
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => commitmentLoss(l2Normalize(x as tf.Tensor2D), codes, mask))(z);
      expect(value.dataSync()[0]).toBeCloseTo(vq.commitment, 5);
      close(grad.arraySync() as number[][], vq.grad_commitment, 1e-4);
      tf.dispose([z, codes, mask, value, grad]);
    });

    it('rejects mismatched widths with a clear error', () => {
      const z = tf.zeros([2, 3]) as tf.Tensor2D;
      const c = tf.zeros([4, 2]) as tf.Tensor2D;
      expect(() => vectorQuantize(z, c)).toThrow(/same d/);
      tf.dispose([z, c]);
    });
  });
}
