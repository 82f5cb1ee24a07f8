import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { FeatureMean } from './feature-mean.js';
import { DynamicVisualTokenizer } from './dynamic-visual-tokenizer.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('FeatureMean', () => {
  it('is the running per-position mean over every image seen, and centres features', () => {
    const fm = new FeatureMean(2, 3);
    const a = tf.tensor3d([[[1, 2, 3], [4, 5, 6]], [[3, 2, 1], [0, 1, 2]]]);
    const b = tf.tensor3d([[[2, 2, 2], [8, 0, 4]]]);
    const before = tf.memory().numTensors;
    fm.accumulate(a);
    fm.accumulate(b);
    expect(tf.memory().numTensors).toBe(before);
    expect(fm.images).toBe(3);
    const mean = Array.from(fm.mean.dataSync());
    const expected = [2, 2, 2, 4, 2, 4];
    mean.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    const c = tf.tidy(() => fm.center(b));
    expect(Array.from(c.dataSync())).toEqual([0, 0, 0, 4, -2, 0]);
    expect(fm.trainableParameters()).toHaveLength(0);
    tf.dispose([a, b, c]);
    fm.dispose();
  });

  it('centerFeatures: the tokenizer works on X - mu and the loss targets X - mu', () => {
    const tok = new DynamicVisualTokenizer({ featureDim: 8, numPatches: 4, codeDim: 4, codebookSize: 8, mergerLayers: 1, decoderLayers: 1, heads: 2, centerFeatures: true, seed: 1 });
    const plain = new DynamicVisualTokenizer({ featureDim: 8, numPatches: 4, codeDim: 4, codebookSize: 8, mergerLayers: 1, decoderLayers: 1, heads: 2, seed: 1 });
    expect(plain.featureMean).toBeUndefined();
    const x = tf.randomNormal([3, 4, 8], 2, 1, 'float32', 4) as tf.Tensor3D;
    tok.accumulateFeatureMean(x);
    // Shifting every image by a per-position offset that the mean absorbs changes nothing.
    const offset = tf.randomNormal([4, 8], 0, 5, 'float32', 9);
    const shifted = tf.add(x, offset) as tf.Tensor3D;
    const tok2 = new DynamicVisualTokenizer({ featureDim: 8, numPatches: 4, codeDim: 4, codebookSize: 8, mergerLayers: 1, decoderLayers: 1, heads: 2, centerFeatures: true, seed: 1 });
    tok2.accumulateFeatureMean(shifted);
    tok.eval();
    tok2.eval();
    const [l1, l2] = [tok, tok2].map((t, i) =>
      tf.tidy(() => {
        const f = i === 0 ? x : shifted;
        const out = t.forward(f, { quantize: false });
        return t.loss(out, f, { keepRatio: 0.5, keepRatioWeight: 1, commitmentWeight: 0 }).reconstruction.dataSync()[0];
      }),
    );
    expect(l1).toBeCloseTo(l2, 4);
    // The tokenizer's own state dict holds mu (checkpointed).
    expect(Object.keys(tok.stateDict())).toEqual(expect.arrayContaining(['feature_mean.mean', 'feature_mean.count']));
    tf.dispose([x, offset, shifted]);
    [tok, tok2, plain].forEach((t) => t.dispose());
  });
});
