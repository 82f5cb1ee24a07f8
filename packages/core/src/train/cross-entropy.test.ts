import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { crossEntropyPerToken, crossEntropySum, maskedMeanCrossEntropy } from './cross-entropy.js';
import { setFusedOps } from '../ops/fused-switch.js';
import fx from './fixtures/cross-entropy.fixture.json';

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tol * (1 + Math.abs(expected[i])));
}

describe.each(['wasm', 'cpu'] as const)('cross-entropy vs torch F.cross_entropy (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });
  const [B, T, V] = fx.shape;
  const mk = () => ({ logits: tf.tensor3d(fx.logits, [B, T, V]), labels: tf.tensor2d(fx.labels, [B, T], 'int32') });

  it('per-token values (0 at ignored positions, stable with a logit of 80)', () => {
    const { logits, labels } = mk();
    const ce = crossEntropyPerToken(logits, labels);
    expect(ce.shape).toEqual([B, T]);
    close(ce.dataSync(), fx.ce);
    tf.dispose([logits, labels, ce]);
  });

  it('gradient of a weighted sum, and of the masked mean', () => {
    const { logits, labels } = mk();
    const w = tf.tensor2d(fx.weights, [B, T]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(crossEntropyPerToken(x, labels), w)))(logits);
    close(g.dataSync(), fx.gradWeighted);
    const { value, grad: grads } = tf.valueAndGrad((x: tf.Tensor) => maskedMeanCrossEntropy(x, labels))(logits);
    expect(value.dataSync()[0]).toBeCloseTo(fx.mean, 5);
    close(grads.dataSync(), fx.gradMean);
    const { sum, count } = crossEntropySum(logits, labels);
    expect(sum.dataSync()[0] / count.dataSync()[0]).toBeCloseTo(fx.mean, 5);
    tf.dispose([logits, labels, w, g, value, grads, sum, count]);
  });

  it('leaves no tensors behind, with and without a tape', () => {
    const { logits, labels } = mk();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose(crossEntropyPerToken(logits, labels));
      const g = tf.grad((x: tf.Tensor) => maskedMeanCrossEntropy(x, labels))(logits);
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, labels]);
  });

  it('all-ignored batches give 0, not NaN; bad shapes are named', () => {
    const logits = tf.zeros([1, 2, 3]);
    const labels = tf.tensor2d([[-100, -100]], [1, 2], 'int32');
    expect(maskedMeanCrossEntropy(logits, labels).dataSync()[0]).toBe(0);
    expect(() => crossEntropyPerToken(logits, tf.zeros([2, 2], 'int32'))).toThrow(/leading shape/);
    expect(() => crossEntropyPerToken(logits, tf.zeros([1, 2]))).toThrow(/int32/);
  });
});

describe.each(['wasm', 'cpu'] as const)('the fused cross-entropy kernel equals the composite (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('values and gradients within 1e-5 (V = 517, not a multiple of the SIMD width; ignored rows; logits up to +-30); tensor count flat', () => {
    const [B, T, V] = [3, 7, 517];
    let s = 7;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    const logitsData = Float32Array.from({ length: B * T * V }, () => rnd() * 30);
    const labelData = Int32Array.from({ length: B * T }, (_, i) => (i % 5 === 4 ? -100 : Math.floor(((rnd() + 1) / 2) * V) % V));
    const weights = Float32Array.from({ length: B * T }, () => rnd());
    const run = (fused: boolean) => {
      setFusedOps(fused);
      return tf.tidy(() => {
        const logits = tf.tensor3d(logitsData, [B, T, V]);
        const labels = tf.tensor2d(labelData, [B, T], 'int32');
        const ce = crossEntropyPerToken(logits, labels);
        const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(crossEntropyPerToken(x, labels), tf.tensor2d(weights, [B, T]))))(logits);
        return [Array.from(ce.dataSync()), Array.from(g.dataSync())];
      });
    };
    const before = tf.memory().numTensors;
    try {
      const [plainCe, plainG] = run(false);
      const [fusedCe, fusedG] = run(true);
      close(fusedCe, plainCe);
      close(fusedG, plainG);
      expect(fusedCe.filter((_, i) => labelData[i] === -100).every((v) => v === 0)).toBe(true);
    } finally {
      setFusedOps(true);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
