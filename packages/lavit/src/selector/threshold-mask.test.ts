import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { TokenSelector } from './token-selector.js';
import { thresholdMaskStep } from '../plugin/lavit-plugin.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe("TokenSelector mask 'threshold' (training on the inference mask)", () => {
  it('gives the inference decisions with straight-through gradients of p_keep, and no leaked tensors', () => {
    const sel = new TokenSelector(16, { seed: 4, minTokens: 0 });
    const w3 = sel.stateDict()['fc3.weight'];
    tf.tidy(() => w3.assign(tf.randomNormal(w3.shape, 0, 1, 'float32', 12)));
    sel.threshold = 0.45;
    const x = tf.randomNormal([2, 6, 16], 0, 1, 'float32', 7) as tf.Tensor3D;
    sel.eval();
    const inference = tf.tidy(() => sel.forward(x).keepValues);
    sel.train();
    const w = tf.randomNormal([2, 6], 0, 1, 'float32', 8);
    const before = tf.memory().numTensors;
    const params = sel.trainableParameters();
    const { value, grads } = tf.variableGrads(() => {
      const out = sel.forward(x, 3, 'threshold');
      expect(Array.from(out.keepValues)).toEqual(Array.from(inference));
      expect(Array.from(out.keep.dataSync())).toEqual(Array.from(inference));
      return tf.sum(tf.mul(out.keep, w)) as tf.Scalar;
    }, params);
    // d/dlogit of sum(w * p_keep) reaches fc3
    expect(tf.tidy(() => tf.sum(tf.abs(grads[w3.name])).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
    sel.dispose();
  });
});

describe('thresholdMaskStep', () => {
  it('marks a share of the steps, evenly spread', () => {
    const pick = (share: number) => Array.from({ length: 8 }, (_, s) => thresholdMaskStep(s, share));
    expect(pick(0)).toEqual(Array(8).fill(false));
    expect(pick(1)).toEqual(Array(8).fill(true));
    expect(pick(0.5).filter(Boolean)).toHaveLength(4);
    expect(pick(0.5)).toEqual([false, true, false, true, false, true, false, true]);
    expect(pick(0.25).filter(Boolean)).toHaveLength(2);
  });
});
