import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { dpoLoss } from './dpo-loss.js';
import { sevaFixture } from './fixtures/seva-fixture.js';
import { expectClose } from './testing/expect-close.js';

describe.each(['wasm', 'cpu'] as const)('dpoLoss (%s) vs PyTorch', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(sevaFixture.dpo.map((c) => [c.name, c] as const))('matches values and policy gradients: %s', (_, c) => {
    const before = tf.memory().numTensors;
    const pc = tf.tensor1d(c.policyChosen);
    const pr = tf.tensor1d(c.policyRejected);
    const rc = tf.tensor1d(c.refChosen);
    const rr = tf.tensor1d(c.refRejected);
    // Log-probs of ~-20 in float32 carry ~1e-6 absolute error; the tolerances allow for it.
    const tol = { atol: 1e-5, rtol: 1e-4 };
    const out = dpoLoss(pc, pr, rc, rr, c.options);
    expectClose(out.loss.dataSync(), c.loss, { ...tol, label: 'loss' });
    expectClose(out.losses.dataSync(), c.losses, { ...tol, label: 'losses' });
    expectClose(out.chosenRewards.dataSync(), c.chosenRewards, { ...tol, label: 'chosenRewards' });
    expectClose(out.rejectedRewards.dataSync(), c.rejectedRewards, { ...tol, label: 'rejectedRewards' });
    tf.dispose([out.loss, out.losses, out.chosenRewards, out.rejectedRewards]);

    // tf.grads runs the function in a tidy, which also frees the outputs other than the loss.
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, r1: tf.Tensor, r2: tf.Tensor) => dpoLoss(a, b, r1, r2, c.options).loss)([pc, pr, rc, rr]);
    expectClose(grads[0].dataSync(), c.gradPolicyChosen, { ...tol, label: 'd/dpolicyChosen' });
    expectClose(grads[1].dataSync(), c.gradPolicyRejected, { ...tol, label: 'd/dpolicyRejected' });
    // The reference is frozen.
    expectClose(grads[2].dataSync(), new Array(c.refChosen.length).fill(0), { atol: 0, label: 'd/drefChosen' });
    expectClose(grads[3].dataSync(), new Array(c.refRejected.length).fill(0), { atol: 0, label: 'd/drefRejected' });
    tf.dispose([pc, pr, rc, rr, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rewards carry no gradient', () => {
    tf.tidy(() => {
      const [g] = tf.grads((a: tf.Tensor) => tf.sum(dpoLoss(a, [-3, -4], [-2, -2], [-5, -5]).chosenRewards))([tf.tensor1d([-1, -2])]);
      expect(Array.from(g.dataSync())).toEqual([0, 0]);
    });
  });

  it('accepts plain arrays, and label smoothing 0 equals -log sigmoid(beta h)', () => {
    tf.tidy(() => {
      const out = dpoLoss([-10], [-12], [-11], [-11], { beta: 0.5 });
      const h = -10 - -12 - (-11 - -11);
      expectClose(out.loss.dataSync(), Math.log1p(Math.exp(-0.5 * h)), { label: 'loss' });
    });
  });
});

describe('dpoLoss input checks', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('names the bad option or input', () => {
    tf.tidy(() => {
      expect(() => dpoLoss([1], [1], [1], [1], { beta: 0 })).toThrow(/dpoLoss: beta must be a positive number/);
      expect(() => dpoLoss([1], [1], [1], [1], { labelSmoothing: 0.5 })).toThrow(/labelSmoothing must be in \[0, 0.5\)/);
      expect(() => dpoLoss([1], [1], [1], [1], { lossType: 'ipo', labelSmoothing: 0.1 })).toThrow(/only to lossType 'sigmoid'/);
      expect(() => dpoLoss([1], [1], [1], [1], { lossType: 'hinge' as 'ipo' })).toThrow(/lossType must be 'sigmoid' or 'ipo'/);
      expect(() => dpoLoss([1, 2], [1], [1], [1])).toThrow(/same length; got 2, 1, 1, 1/);
      expect(() => dpoLoss(tf.zeros([2, 1]), [1], [1], [1])).toThrow(/policyChosenLogps must be a \[B\] vector/);
      expect(() => dpoLoss([Number.NaN], [1], [1], [1])).toThrow(/policyChosenLogps\[0\] must be a finite number/);
    });
  });
});
