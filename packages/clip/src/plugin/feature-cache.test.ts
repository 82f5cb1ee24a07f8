import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { featureCacheGradients, splitEven } from './feature-cache.js';
import { clipLoss } from '../losses/clip-loss.js';
import { siglipLoss } from '../losses/siglip-loss.js';
import { l2Normalize } from '../encoders/l2-normalize.js';
import { expectClose } from '../testing/expect-close.js';

describe('splitEven', () => {
  it('covers the batch with near-equal contiguous ranges', () => {
    expect(splitEven(8, 4)).toEqual([[0, 2], [2, 4], [4, 6], [6, 8]]);
    expect(splitEven(7, 3)).toEqual([[0, 2], [2, 4], [4, 7]]);
    expect(splitEven(5, 1)).toEqual([[0, 5]]);
  });
  it('rejects more chunks than samples', () => {
    expect(() => splitEven(3, 4)).toThrow(/accumulate must be an integer between 1 and the batch size \(3\); got 4/);
  });
});

describe.each(['wasm', 'cpu'] as const)('featureCacheGradients (%s)', (backend) => {
  // Two linear "towers" with a tanh so the features depend non-trivially on the weights.
  let wImage: tf.Variable, wText: tf.Variable, logScale: tf.Variable, bias: tf.Variable;
  let xImage: tf.Tensor2D, xText: tf.Tensor2D;
  const n = 12;

  beforeAll(async () => {
    await initBackend(backend);
    wImage = tf.variable(tf.randomNormal([6, 5], 0, 0.5, 'float32', 1));
    wText = tf.variable(tf.randomNormal([7, 5], 0, 0.5, 'float32', 2));
    logScale = tf.variable(tf.scalar(Math.log(1 / 0.07)));
    bias = tf.variable(tf.scalar(-3));
    xImage = tf.randomNormal([n, 6], 0, 1, 'float32', 3);
    xText = tf.randomNormal([n, 7], 0, 1, 'float32', 4);
  });
  afterAll(() => tf.dispose([wImage, wText, logScale, bias, xImage, xText]));

  const encode = (start: number, end: number) => ({
    image: l2Normalize(tf.tanh(tf.matMul(tf.slice(xImage, [start, 0], [end - start, -1]), wImage))) as tf.Tensor2D,
    text: l2Normalize(tf.tanh(tf.matMul(tf.slice(xText, [start, 0], [end - start, -1]), wText))) as tf.Tensor2D,
  });
  const losses = {
    infonce: (i: tf.Tensor2D, t: tf.Tensor2D) => clipLoss(i, t, tf.exp(logScale) as tf.Scalar),
    siglip: (i: tf.Tensor2D, t: tf.Tensor2D) => siglipLoss(i, t, tf.exp(logScale) as tf.Scalar, bias as unknown as tf.Scalar),
  };

  it.each([
    ['infonce', 4],
    ['infonce', 5],
    ['siglip', 4],
    ['siglip', 12],
  ] as const)('%s with %i micro-batches equals the full-batch gradient', (kind, chunks) => {
    const loss = losses[kind];
    const vars = [wImage, wText, logScale, bias];
    const direct = tf.variableGrads(() => { const f = encode(0, n); return loss(f.image, f.text); }, vars);
    const before = tf.memory().numTensors;
    const cached = featureCacheGradients({ batchSize: n, chunks, encode, loss, towerVariables: [wImage, wText], headVariables: [logScale, bias] });
    expect(tf.memory().numTensors - before).toBe(cached.grads.size);
    expectClose(cached.loss, direct.value.dataSync()[0], { atol: 1e-6, label: 'loss' });
    for (const v of vars) {
      const expected = direct.grads[v.name];
      if (!expected) {
        expect(cached.grads.has(v), `no gradient expected for ${v.name}`).toBe(false);
        continue;
      }
      expectClose(cached.grads.get(v)!.dataSync(), expected.dataSync(), { atol: 1e-5, rtol: 0, label: v.name });
    }
    tf.dispose([direct.value, ...Object.values(direct.grads), ...cached.grads.values()]);
  });

  it('skips frozen variables', () => {
    wText.trainable = false;
    try {
      const out = featureCacheGradients({ batchSize: n, chunks: 3, encode, loss: losses.infonce, towerVariables: [wImage, wText], headVariables: [logScale] });
      expect([...out.grads.keys()]).toEqual([logScale, wImage]);
      tf.dispose([...out.grads.values()]);
    } finally {
      wText.trainable = true;
    }
  });
});
