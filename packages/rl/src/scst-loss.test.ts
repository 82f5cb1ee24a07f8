import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { scstLoss } from './scst-loss.js';
import { leaveOneOutBaseline } from './leave-one-out.js';
import { rlFixture } from './fixtures/rl-fixture.js';
import { expectClose } from './testing/expect-close.js';

const c = rlFixture.scst;

describe.each(['wasm', 'cpu'] as const)('scstLoss / leaveOneOutBaseline (%s) vs PyTorch', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('matches the loss and d/dlogps; no gradient reaches the rewards', () => {
    const before = tf.memory().numTensors;
    const logps = tf.tensor2d(c.logps);
    const mask = tf.tensor2d(c.mask);
    const r = tf.tensor1d(c.rewards);
    const b = tf.tensor1d(c.baseline);
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, rr: tf.Tensor, bb: tf.Tensor) => scstLoss(x, mask, rr, bb))([logps, r, b]);
    expectClose(value.dataSync(), c.loss, { atol: 1e-6, rtol: 1e-5, label: 'loss' });
    expectClose(grads[0].dataSync(), c.gradLogps.flat(), { atol: 1e-7, rtol: 1e-5, label: 'd/dlogps' });
    expect(Array.from(grads[1].dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(grads[2].dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([logps, mask, r, b, value, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts number arrays for the rewards', () => {
    tf.tidy(() => {
      const loss = scstLoss(tf.tensor2d(c.logps), tf.tensor2d(c.mask), c.rewards, c.baseline);
      expectClose(loss.dataSync(), c.loss, { atol: 1e-6, rtol: 1e-5, label: 'loss' });
    });
  });

  it.each(rlFixture.loo.map((l) => [l.groupSize, l] as const))('leave-one-out baseline, group size %i', (_, l) => {
    const before = tf.memory().numTensors;
    const base = leaveOneOutBaseline(l.rewards, l.groupSize);
    expectClose(base.dataSync(), l.baseline, { atol: 1e-6, label: 'baseline' });
    base.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('scstLoss / leaveOneOutBaseline input checks', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('names the bad input', () => {
    tf.tidy(() => {
      expect(() => scstLoss(tf.zeros([2, 3]), tf.ones([2, 4]), [1, 1], [0, 0])).toThrow(/scstLoss: mask must be \[B, T\] = \[2,3\]/);
      expect(() => scstLoss(tf.zeros([2, 3]), tf.ones([2, 3]), [1], [0, 0])).toThrow(/one entry per row of sampleLogps \(2\)/);
      expect(() => leaveOneOutBaseline([1, 2, 3], 2)).toThrow(/leaveOneOutBaseline: rewards length 3 must be a positive multiple of groupSize 2/);
      expect(() => leaveOneOutBaseline([1, 2], 1)).toThrow(/groupSize must be an integer >= 2/);
    });
  });
});
