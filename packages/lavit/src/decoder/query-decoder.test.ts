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

  it("positions: 'rank' ignores where the kept codes sit, 'patch' places them by patch index", () => {
    const codes = tf.randomNormal([1, 6, 8], 0, 1, 'float32', 4) as tf.Tensor3D;
    // The same three codes (same order) kept at patches 0, 2, 5 and at patches 1, 3, 4.
    const a = Float32Array.from([1, 0, 1, 0, 0, 1]);
    const b = Float32Array.from([0, 1, 0, 1, 1, 0]);
    const moved = tf.tidy(() => tf.gather(codes, tf.tensor1d([1, 0, 3, 2, 5, 4], 'int32'), 1)) as tf.Tensor3D;
    const diff = (positions: 'rank' | 'patch') => {
      const dec = new QueryDecoder(6, 8, 12, { width: 16, layers: 1, heads: 2, seed: 1, positions });
      // Position embeddings as a trained decoder has them (the 0.02 initialisation barely moves the output).
      tf.tidy(() => dec.code_pos.assign(tf.randomNormal([6, 16], 0, 1, 'float32', 5)));
      const before = tf.memory().numTensors;
      const d = tf.tidy(() => {
        const x = dec.forward(codes, tf.tensor2d(a, [1, 6]), a);
        const y = dec.forward(moved, tf.tensor2d(b, [1, 6]), b);
        return tf.max(tf.abs(tf.sub(x, y))).dataSync()[0];
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(dec.positions).toBe(positions);
      dec.dispose();
      return d;
    };
    expect(diff('rank')).toBeLessThan(1e-4);
    expect(diff('patch')).toBeGreaterThan(1e-3);
    expect(() => new QueryDecoder(6, 8, 12, { positions: 'grid' as never })).toThrow(/positions/);
    tf.dispose([codes, moved]);
  });
});
