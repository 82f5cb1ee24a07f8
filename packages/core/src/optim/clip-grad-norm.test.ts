import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { clipByGlobalNorm } from './clip-grad-norm.js';
import fixture from './fixtures/optim.fixture.json';

describe('clipByGlobalNorm vs torch.nn.utils.clip_grad_norm_', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  for (const c of fixture.clip) {
    it(`maxNorm=${c.maxNorm}`, () => {
      const before = tf.memory().numTensors;
      const vars = c.grads.map((g) => tf.tidy(() => tf.variable(tf.zeros(g.shape))));
      const grads = new Map(c.grads.map((g, i) => [vars[i], tf.tensor(g.data, g.shape)] as [tf.Variable, tf.Tensor]));
      const out = clipByGlobalNorm(grads, c.maxNorm);
      expect(out.norm.dataSync()[0]).toBeCloseTo(c.norm, 4);
      c.clipped.forEach((expected, i) => {
        const got = out.grads.get(vars[i])!.dataSync();
        expected.forEach((e, j) => expect(got[j]).toBeCloseTo(e, 5));
      });
      tf.dispose([...grads.values(), ...out.grads.values(), out.norm, ...vars]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  it('works on a NamedTensorMap', () => {
    const out = clipByGlobalNorm({ a: tf.tensor1d([3, 4]), b: null }, 1);
    expect(Array.from(out.grads.a!.dataSync()).map((x) => +x.toFixed(5))).toEqual([0.6, 0.8]);
    expect(out.grads.b).toBeNull();
  });
});
