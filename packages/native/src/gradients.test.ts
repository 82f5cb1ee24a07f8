import { beforeAll, describe, expect, it } from 'vitest';
import { fusedAttention, fusedGelu, fusedLayerNorm, tf } from '@vlalign/core';
import { randomInts, randomTensor } from './random-tensor.js';
import { relDiff } from './self-test.js';
import { addonBuilt, setUpNative, take, withoutNative } from './testing/native-harness.js';

describe.skipIf(!addonBuilt)('gradients through native kernels equal the plain path', () => {
  beforeAll(setUpNative);

  it('tf.grads of a block of fused ops (matMul, LayerNorm, GELU, attention, gather)', async () => {
    const x = randomTensor([2, 6, 16], 1);
    const w = randomTensor([16, 16], 2, 0.3);
    const bias = randomTensor([16], 3, 0.1);
    const gamma = randomTensor([16], 4);
    const beta = randomTensor([16], 5);
    const table = randomTensor([20, 16], 6);
    const ids = randomInts([12], 20, 7);
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor, gg: tf.Tensor, be: tf.Tensor, tt: tf.Tensor): tf.Scalar => {
      const e = tf.reshape(tf.gather(tt, ids), [2, 6, 16]);
      const h = fusedLayerNorm(tf.add(xx, e), gg, be, 1e-5);
      const y = tf.reshape(tf.fused.matMul({ a: tf.reshape(h, [12, 16]) as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb }), [2, 6, 16]);
      const q = tf.transpose(tf.reshape(fusedGelu(y), [2, 6, 2, 8]), [0, 2, 1, 3]) as tf.Tensor4D;
      const k = tf.transpose(tf.reshape(y, [2, 6, 2, 8]), [0, 2, 3, 1]) as tf.Tensor4D;
      const a = fusedAttention(q, k, q);
      return tf.sum(tf.mul(a, a)) as tf.Scalar;
    };
    const run = () => {
      const { value, grads } = tf.valueAndGrads(f)([x, w, bias, gamma, beta, table]);
      return [value, ...grads];
    };
    const native = take(run());
    const plain = await withoutNative(() => take(run()));
    native.forEach((n, i) => expect(relDiff(n, plain[i]), `output ${i}`).toBeLessThanOrEqual(1e-5));
    tf.dispose([x, w, bias, gamma, beta, table, ids]);
  });
});
