import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import fixture from '../fixtures/lavit.fixture.json';
import { keepRatioLoss } from './keep-ratio-loss.js';
import { TokenSelector } from './token-selector.js';
import { hardGumbelKeep } from './gumbel-straight-through.js';
import { EmaCodebook } from '../quantizer/ema-codebook.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('keepRatioLoss', () => {
  it('matches PyTorch: mean over images of (rho - kept fraction)^2', () => {
    const k = fixture.keep_ratio;
    const keep = tf.tensor2d(k.keep);
    const loss = keepRatioLoss(keep, k.rho);
    expect(loss.dataSync()[0]).toBeCloseTo(k.loss, 6);
    tf.dispose([keep, loss]);
  });
  it("scope 'batch' pulls only the batch's kept fraction to rho", () => {
    const keep = tf.tensor2d([
      [1, 1, 0, 0],
      [0, 0, 0, 0],
    ]);
    const image = keepRatioLoss(keep, 0.25);
    const batch = keepRatioLoss(keep, 0.25, 'batch');
    const batchOff = keepRatioLoss(keep, 0.5, 'batch');
    expect(image.dataSync()[0]).toBeCloseTo(((0.25 - 0.5) ** 2 + 0.25 ** 2) / 2, 6);
    expect(batch.dataSync()[0]).toBeCloseTo(0, 6);
    expect(batchOff.dataSync()[0]).toBeCloseTo(0.25 ** 2, 6);
    expect(() => keepRatioLoss(keep, 0.25, 'pixel' as never)).toThrow(/scope/);
    tf.dispose([keep, image, batch, batchOff]);
  });
  it('rejects rho outside (0, 1]', () => {
    const keep = tf.ones([1, 2]) as tf.Tensor2D;
    expect(() => keepRatioLoss(keep, 0)).toThrow(/rho/);
    keep.dispose();
  });
});

describe('TokenSelector', () => {
  it('hard Gumbel decisions are 0/1 with straight-through gradients into every selector weight', () => {
    const sel = new TokenSelector(16, { seed: 1 });
    const x = tf.randomNormal([2, 6, 16], 0, 1, 'float32', 7) as tf.Tensor3D;
    const w = tf.randomNormal([2, 6], 0, 1, 'float32', 8);
    const params = sel.trainableParameters();
    const { value, grads } = tf.variableGrads(() => {
      const out = sel.forward(x, 3);
      for (const v of out.keep.dataSync()) expect(v === 0 || v === 1).toBe(true);
      expect(Array.from(out.keep.dataSync())).toEqual(Array.from(out.keepValues));
      return tf.sum(tf.mul(out.keep, w)) as tf.Scalar;
    }, params);
    for (const p of params) {
      const g = grads[p.name];
      expect(g, p.name).toBeDefined();
      expect(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]), p.name).toBeGreaterThan(0);
    }
    tf.dispose([x, w, value, ...Object.values(grads)]);
    sel.dispose();
  });

  it('the same seed gives the same sample; inference is deterministic thresholding', () => {
    const sel = new TokenSelector(8, { seed: 2, minTokens: 0 });
    const x = tf.randomNormal([1, 10, 8], 0, 1, 'float32', 9) as tf.Tensor3D;
    const a = tf.tidy(() => sel.forward(x, 5).keepValues);
    const b = tf.tidy(() => sel.forward(x, 5).keepValues);
    expect(Array.from(a)).toEqual(Array.from(b));
    sel.eval();
    const before = tf.memory().numTensors;
    const out = sel.forward(x);
    const probs = tf.tidy(() => tf.exp(out.logProbs).arraySync() as number[][][]);
    expect(Array.from(out.keepValues)).toEqual(probs[0].map((p) => (p[0] >= 0.5 ? 1 : 0)));
    tf.dispose([out.keep, out.logProbs]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    sel.dispose();
  });

  it('inference keeps at least minTokens (the most likely ones)', () => {
    const sel = new TokenSelector(8, { seed: 2, threshold: 0.999, minTokens: 2 });
    sel.eval();
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 9) as tf.Tensor3D;
    const out = sel.forward(x);
    const p = tf.tidy(() => tf.exp(out.logProbs).arraySync() as number[][][]);
    for (let r = 0; r < 2; r++) {
      const row = Array.from(out.keepValues.slice(r * 5, r * 5 + 5));
      expect(row.reduce((a, v) => a + v, 0)).toBe(2);
      const top2 = p[r].map((q, i) => [q[0], i]).sort((a, b) => b[0] - a[0]).slice(0, 2).map(([, i]) => i);
      for (const i of top2) expect(row[i]).toBe(1);
    }
    tf.dispose([x, out.keep, out.logProbs]);
    sel.dispose();
  });

  it('hardGumbelKeep follows the log-probabilities (near-certain keep / drop)', () => {
    const lp = tf.tidy(() => tf.logSoftmax(tf.tensor3d([[[20, -20], [-20, 20]]])) as tf.Tensor3D);
    const g = tf.tidy(() => hardGumbelKeep(lp, 1).hardValues);
    expect(Array.from(g)).toEqual([1, 0]);
    lp.dispose();
  });

  it('hardGumbelKeep and EmaCodebook reproduce with seed 0 (tfjs treats a raw 0 as unseeded)', () => {
    const lp = tf.tidy(() => tf.logSoftmax(tf.zeros([2, 64, 2])) as tf.Tensor3D);
    const a = tf.tidy(() => hardGumbelKeep(lp, 0).hardValues);
    const b = tf.tidy(() => hardGumbelKeep(lp, 0).hardValues);
    expect(Array.from(b)).toEqual(Array.from(a));
    const c1 = new EmaCodebook(8, 4, { seed: 0 });
    const c2 = new EmaCodebook(8, 4, { seed: 0 });
    expect(Array.from(c2.weight.dataSync())).toEqual(Array.from(c1.weight.dataSync()));
    tf.dispose([lp]);
    c1.dispose();
    c2.dispose();
  });
});
