import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import fixture from '../fixtures/lavit.fixture.json';
import { QueryDecoder, cosineReconstructionLoss } from './query-decoder.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('QueryDecoder', () => {
  it('cosine reconstruction loss matches PyTorch', () => {
    const r = fixture.recon;
    const loss = tf.tidy(() => cosineReconstructionLoss(tf.tensor(r.x_hat), tf.tensor(r.x)).dataSync()[0]);
    expect(loss).toBeCloseTo(r.loss, 6);
  });

  it('reconstructs every patch and ignores dropped codes', () => {
    const dec = new QueryDecoder(6, 8, 12, { width: 16, layers: 1, heads: 2, seed: 1 });
    const codes = tf.randomNormal([1, 6, 8], 0, 1, 'float32', 2) as tf.Tensor3D;
    const keepValues = Float32Array.from([1, 0, 1, 0, 0, 1]);
    const keep = tf.tensor2d(keepValues, [1, 6]);
    const out = dec.forward(codes, keep, keepValues);
    expect(out.shape).toEqual([1, 6, 12]);
    const other = tf.tidy(() => {
      const noise = tf.mul(tf.randomNormal([1, 6, 8], 0, 5, 'float32', 3), tf.reshape(tf.sub(1, keep), [1, 6, 1]));
      return dec.forward(tf.add(codes, noise) as tf.Tensor3D, keep, keepValues);
    });
    // Dropped codes reach the output only through the eps of the policy softmax.
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(out, other))).dataSync()[0])).toBeLessThan(1e-4);
    tf.dispose([codes, keep, out, other]);
    dec.dispose();
  });
});
