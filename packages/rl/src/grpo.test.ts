import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { grpoAdvantages } from './grpo-advantages.js';
import { grpoLoss } from './grpo-loss.js';
import { rlFixture } from './fixtures/rl-fixture.js';
import { expectClose } from './testing/expect-close.js';

describe.each(['wasm', 'cpu'] as const)('GRPO (%s) vs PyTorch', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(rlFixture.advantages.map((a) => [a.groupSize, a] as const))('group advantages with sample std, group size %i', (_, a) => {
    const before = tf.memory().numTensors;
    const fromNumbers = grpoAdvantages(a.rewards, a.groupSize);
    const rewards = tf.tensor1d(a.rewards);
    const fromTensor = grpoAdvantages(rewards, a.groupSize);
    const centred = grpoAdvantages(a.rewards, a.groupSize, { scale: false });
    expectClose(fromNumbers.dataSync(), a.advantages, { atol: 1e-5, rtol: 1e-5, label: 'advantages' });
    expectClose(fromTensor.dataSync(), a.advantages, { atol: 1e-5, rtol: 1e-5, label: 'advantages (tensor)' });
    expectClose(centred.dataSync(), a.centred, { atol: 1e-6, label: 'centred' });
    tf.dispose([fromNumbers, rewards, fromTensor, centred]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(rlFixture.grpo.map((c) => [c.name, c] as const))('loss, kl, clip ratio and d/dlogps: %s', (_, c) => {
    const before = tf.memory().numTensors;
    const logps = tf.tensor2d(c.logps);
    const old = c.oldLogps ? tf.tensor2d(c.oldLogps) : null;
    const ref = c.refLogps ? tf.tensor2d(c.refLogps) : null;
    const mask = tf.tensor2d(c.mask);
    const out = grpoLoss(logps, old, ref, c.advantages, mask, c.options);
    expectClose(out.loss.dataSync(), c.loss, { atol: 1e-6, rtol: 1e-5, label: 'loss' });
    expectClose(out.clipRatio.dataSync(), c.clipRatio, { atol: 1e-6, label: 'clipRatio' });
    if (c.kl === null) expect(out.kl).toBeNull();
    else expectClose(out.kl!.dataSync(), c.kl, { atol: 1e-6, rtol: 1e-5, label: 'kl' });
    tf.dispose([out.loss, out.clipRatio, ...(out.kl ? [out.kl] : [])]);

    // With beta 0 the reference only feeds the (detached) kl, so it is not an input of the loss at all.
    const refInLoss = ref !== null && c.options.beta !== 0;
    const tensors = [logps, ...(old ? [old] : []), ...(refInLoss ? [ref] : [])];
    const grads = tf.grads((...xs: tf.Tensor[]) => {
      const [x, o, r] = [xs[0], old ? xs[1] : null, refInLoss ? xs[old ? 2 : 1] : ref];
      return grpoLoss(x, o, r, c.advantages, mask, c.options).loss;
    })(tensors);
    expectClose(grads[0].dataSync(), c.gradLogps.flat(), { atol: 1e-6, rtol: 1e-4, label: 'd/dlogps' });
    // Old and reference log-probs are constants.
    for (const g of grads.slice(1)) expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([...tensors, ...(refInLoss || !ref ? [] : [ref]), mask, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('on-policy gradient is -A * mask / count per row (sequence aggregation, beta 0)', () => {
    tf.tidy(() => {
      const logps = tf.tensor2d([
        [-1, -2, -3],
        [-0.5, -0.1, -2],
      ]);
      const mask = tf.tensor2d([
        [1, 1, 0],
        [1, 1, 1],
      ]);
      const [g] = tf.grads((x: tf.Tensor) => grpoLoss(x, null, null, [2, -3], mask, { beta: 0 }).loss)([logps]);
      expectClose(g.dataSync(), [-2 / 2 / 2, -2 / 2 / 2, 0, 3 / 3 / 2, 3 / 3 / 2, 3 / 3 / 2], { atol: 1e-7, label: 'grad' });
    });
  });
});

describe('GRPO input checks', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('names the bad input', () => {
    tf.tidy(() => {
      const x = tf.zeros([2, 3]);
      const m = tf.ones([2, 3]);
      expect(() => grpoLoss(x, null, null, [1, 1], m)).toThrow(/grpoLoss: refLogps is required when beta \(0.04\) is not 0/);
      expect(() => grpoLoss(x, tf.zeros([2, 4]), null, [1, 1], m, { beta: 0 })).toThrow(/oldLogps must be \[B, T\] = \[2,3\]/);
      expect(() => grpoLoss(x, null, null, [1], m, { beta: 0 })).toThrow(/advantages has 1 entries; expected one per row of logps \(2\)/);
      expect(() => grpoLoss(x, null, null, [1, 1], m, { beta: 0, epsilon: 0 })).toThrow(/epsilon must be in \(0, 1\)/);
      expect(() => grpoLoss(x, null, null, [1, 1], m, { beta: 0, aggregation: 'dapo' as 'token' })).toThrow(/aggregation must be 'sequence' or 'token'/);
      expect(() => grpoAdvantages([1, 2, 3], 2)).toThrow(/grpoAdvantages: rewards length 3 must be a positive multiple of groupSize 2/);
    });
  });
});
