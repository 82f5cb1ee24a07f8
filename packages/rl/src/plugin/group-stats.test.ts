import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { groupRewardStats, sampleStd } from './group-stats.js';
import { k3Kl } from './k3-kl.js';
import { expectClose } from '../testing/expect-close.js';

describe('group reward statistics and the k3 KL (hand-derived)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('reward, reward_std (mean group sample std), frac_reward_zero_std', () => {
    // Groups [1, 1] (std 0) and [2, 4] (sample std sqrt(2)).
    const s = groupRewardStats([1, 1, 2, 4], 2);
    expectClose([s.mean, s.meanGroupStd, s.fracZeroStd], [2, Math.SQRT2 / 2, 0.5], { atol: 1e-12, label: 'stats' });
    expect(sampleStd([3])).toBe(0);
    expect(() => groupRewardStats([1, 2, 3], 2)).toThrow(/do not split into groups of 2/);
  });

  it('k3 = exp(d) - d - 1 with d = ref - logp, masked mean; d/dlogp = (1 - exp(d)) / count', () => {
    const logp = tf.tensor2d([[-1, -2, -5]]);
    const ref = tf.tensor2d([[-1, -2 + Math.LN2, 0]]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    const kl = k3Kl(logp, ref, mask);
    expectClose(kl.dataSync(), [(0 + (2 - Math.LN2 - 1)) / 2], { atol: 1e-6, label: 'kl' });
    const [g] = tf.grads((x: tf.Tensor) => k3Kl(x, ref, mask))([logp]);
    expectClose(g.dataSync(), [0, (1 - 2) / 2, 0], { atol: 1e-6, label: 'grad' });
    tf.dispose([logp, ref, mask, kl, g]);
  });
});
