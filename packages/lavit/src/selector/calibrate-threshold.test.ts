import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { calibrateSelectorThreshold, keepProbabilities, keepThresholdForRatio } from './calibrate-threshold.js';
import { TokenSelector } from './token-selector.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('keepThresholdForRatio', () => {
  it('is the round(ratio * n)-th largest probability', () => {
    const probs = [0.1, 0.9, 0.3, 0.7, 0.5, 0.2, 0.8, 0.4, 0.6, 0.05];
    expect(keepThresholdForRatio(probs, 0.3)).toBeCloseTo(0.7, 12);
    expect(probs.filter((p) => p >= keepThresholdForRatio(probs, 0.3)).length).toBe(3);
    expect(keepThresholdForRatio(probs, 1)).toBeCloseTo(0.05, 12);
    // at least one token: the largest
    expect(keepThresholdForRatio(probs, 0.01)).toBeCloseTo(0.9, 12);
  });
  it('stays inside (0, 1) and rejects bad input', () => {
    expect(keepThresholdForRatio([1, 1], 0.5)).toBeLessThan(1);
    expect(keepThresholdForRatio([0, 0], 0.5)).toBeGreaterThan(0);
    expect(() => keepThresholdForRatio([0.5], 0)).toThrow(/ratio/);
    expect(() => keepThresholdForRatio([], 0.5)).toThrow(/no probabilities/);
  });
});

describe('calibrateSelectorThreshold', () => {
  it('sets the selector threshold so that inference keeps a share rho, with counts varying per image', () => {
    const sel = new TokenSelector(16, { seed: 3, minTokens: 0 });
    sel.eval();
    // fc3 starts near zero (every p_keep ~ 0.5); give the scores a spread.
    const w = sel.stateDict()['fc3.weight'];
    tf.tidy(() => w.assign(tf.randomNormal(w.shape, 0, 1, 'float32', 11)));
    const x = tf.randomNormal([4, 8, 16], 0, 1, 'float32', 5) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const probs = keepProbabilities(sel, x);
    expect(probs.length).toBe(32);
    const t = calibrateSelectorThreshold(sel, [probs.subarray(0, 16), probs.subarray(16)], 0.25);
    expect(tf.memory().numTensors).toBe(before);
    expect(sel.threshold).toBeCloseTo(t, 6);
    expect(sel.keep_threshold.trainable).toBe(false);
    const out = tf.tidy(() => sel.forward(x).keepValues);
    expect(out.reduce((a, v) => a + v, 0)).toBe(8);
    // the threshold is checkpointed
    expect(Object.keys(sel.stateDict())).toContain('keep_threshold');
    expect(() => (sel.threshold = 1)).toThrow(/threshold/);
    x.dispose();
    sel.dispose();
  });
});
