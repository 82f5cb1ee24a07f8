import { describe, expect, it } from 'vitest';
import { logSoftmaxAt, pickToken } from './sampling.js';
import { createRng } from '../nn/seed.js';

describe('pickToken', () => {
  const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)];

  it('greedy picks the argmax', () => {
    expect(pickToken([0.1, 3, -2, 2.9], {}, () => 0.5)).toBe(1);
  });

  it('samples in proportion to softmax(logits / T) (empirical frequencies)', () => {
    const rng = createRng(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[pickToken(logits, { temperature: 1 }, rng)]++;
    [0.5, 0.3, 0.15, 0.05].forEach((p, i) => expect(counts[i] / 20000).toBeCloseTo(p, 1));
    // Temperature 0.5 squares the probabilities (renormalised): 0.25/0.3875 for token 0.
    const hot = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) hot[pickToken(logits, { temperature: 0.5 }, rng)]++;
    expect(hot[0] / 20000).toBeCloseTo(0.25 / (0.25 + 0.09 + 0.0225 + 0.0025), 1);
  });

  it('top-k and top-p restrict the candidates', () => {
    const rng = createRng(2);
    const seenK = new Set<number>();
    const seenP = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      seenK.add(pickToken(logits, { temperature: 1, topK: 2 }, rng));
      seenP.add(pickToken(logits, { temperature: 1, topP: 0.75 }, rng)); // 0.5 + 0.3 reaches 0.75
    }
    expect([...seenK].sort()).toEqual([0, 1]);
    expect([...seenP].sort()).toEqual([0, 1]);
  });

  it('logSoftmaxAt matches log of the normalised probability', () => {
    expect(logSoftmaxAt(logits, 1)).toBeCloseTo(Math.log(0.3), 10);
    expect(logSoftmaxAt([1000, 0], 1)).toBeCloseTo(-1000, 6);
  });
});
