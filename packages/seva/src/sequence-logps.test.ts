import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { sequenceLogps } from './sequence-logps.js';
import { sevaFixture } from './fixtures/seva-fixture.js';
import { expectClose } from './testing/expect-close.js';

describe.each(['wasm', 'cpu'] as const)('sequenceLogps (%s) vs PyTorch', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(sevaFixture.logps.map((c) => [c.name, c] as const))('matches values and d/dlogits: %s', (_, c) => {
    const before = tf.memory().numTensors;
    const logits = tf.tensor3d(c.logits);
    const labels = tf.tensor2d(c.labels, undefined, 'int32');
    const mask = tf.tensor2d(c.mask);
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => tf.sum(sequenceLogps(x, labels, mask, { average: c.average })))([logits]);
    const logps = sequenceLogps(logits, labels, mask, { average: c.average });
    expectClose(logps.dataSync(), c.logps, { atol: 2e-5, rtol: 1e-5, label: 'logps' });
    expectClose(value.dataSync(), c.logps.reduce((s, v) => s + v, 0), { atol: 5e-5, rtol: 1e-5, label: 'sum' });
    expectClose(grads[0].dataSync(), c.gradLogits.flat(2), { atol: 1e-6, rtol: 1e-4, label: 'd/dlogits' });
    tf.dispose([logits, labels, mask, value, logps, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives 0 for a row with no masked-in token when averaging', () => {
    tf.tidy(() => {
      const out = sequenceLogps(tf.zeros([1, 2, 3]), tf.tensor2d([[-100, -100]], undefined, 'int32'), tf.zeros([1, 2]), { average: true });
      expect(Array.from(out.dataSync())).toEqual([0]);
    });
  });
});

describe('sequenceLogps input checks', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('names the bad input', () => {
    tf.tidy(() => {
      const y = tf.zeros([2, 3], 'int32');
      expect(() => sequenceLogps(tf.zeros([2, 3, 4]), tf.zeros([2, 3]), tf.ones([2, 3]))).toThrow(/sequenceLogps: labels must be an int32 \[B, T\]/);
      expect(() => sequenceLogps(tf.zeros([2, 4, 4]), y, tf.ones([2, 3]))).toThrow(/logits must be \[B, T, V\] matching labels \[2,3\]/);
      expect(() => sequenceLogps(tf.zeros([2, 3, 4]), y, tf.ones([3, 3]))).toThrow(/mask must be \[B, T\]/);
    });
  });
});
