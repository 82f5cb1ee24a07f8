import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { DynamicVisualTokenizer } from './dynamic-visual-tokenizer.js';
import { tokenizeFeatures } from './tokenize-image.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('tokenizeFeatures({ sampleSeed })', () => {
  it('samples the keep decisions (reproducible per seed, at least one token per image), leaks nothing', () => {
    const tok = new DynamicVisualTokenizer({ featureDim: 8, numPatches: 16, codeDim: 4, codebookSize: 8, mergerLayers: 1, decoderLayers: 1, heads: 2, seed: 3, minTokens: 0 });
    const x = tf.randomNormal([6, 16, 8], 0, 1, 'float32', 2) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const a = tokenizeFeatures(tok, x, { sampleSeed: 5 });
    const b = tokenizeFeatures(tok, x, { sampleSeed: 5 });
    const c = tokenizeFeatures(tok, x, { sampleSeed: 6 });
    const det = tokenizeFeatures(tok, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(b).toEqual(a);
    expect(c.map((t) => t.patches)).not.toEqual(a.map((t) => t.patches));
    for (const t of a) {
      expect(t.ids.length).toBeGreaterThanOrEqual(1);
      expect(t.ids.length).toBe(t.patches.length);
    }
    // p_keep ~ 0.5 at initialisation: about half of the tokens are sampled.
    const kept = a.reduce((n, t) => n + t.ids.length, 0);
    expect(kept).toBeGreaterThan(20);
    expect(kept).toBeLessThan(76);
    expect(det).toHaveLength(6);
    expect(tok.training).toBe(true);
    expect(tok.selector.training).toBe(true);
    x.dispose();
    tok.dispose();
  });
});
