import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { DynamicVisualTokenizer } from './dynamic-visual-tokenizer.js';
import { tokenizeFeatures } from './tokenize-image.js';
import { cosineSimilarity } from '../decoder/query-decoder.js';

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

describe('decodeIds(ids, patches)', () => {
  for (const codePositions of ['rank', 'patch'] as const) {
    it(`codePositions '${codePositions}': decoding tokenizeFeatures' ids equals the batch path (quantised codes, inference keep mask)`, () => {
      const tok = new DynamicVisualTokenizer({ featureDim: 8, numPatches: 16, codeDim: 4, codebookSize: 8, mergerLayers: 1, decoderLayers: 1, heads: 2, seed: 4, codePositions, threshold: 0.45 });
      tok.codebook.initFromVectors(Float32Array.from({ length: 8 * 4 * 3 }, (_, i) => Math.sin(i * 1.7)), 24, () => 0.5);
      const x = tf.randomNormal([3, 16, 8], 0, 1, 'float32', 9) as tf.Tensor3D;
      const tokens = tokenizeFeatures(tok, x);
      tok.eval();
      // The batch path: the decoder reads each kept row's nearest code, at its row.
      const batch = tf.tidy(() => {
        const sel = tok.selector.forward(x);
        const z = tok.encode(tok.merger.forward(x, sel.keep));
        const q = tok.codebook.quantize(tf.reshape(z, [3 * 16, 4]) as tf.Tensor2D).quantized;
        return tok.decoder.forward(tf.reshape(q, [3, 16, 4]) as tf.Tensor3D, sel.keep, sel.keepValues);
      });
      const before = tf.memory().numTensors;
      tokens.forEach((t, r) => {
        expect(t.patches.length).toBeGreaterThan(0);
        const dec = tok.decodeIds(t.ids, t.patches);
        const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(dec, tf.squeeze(tf.slice(batch, [r, 0, 0], [1, 16, 8]), [0])))).dataSync()[0]);
        expect(gap).toBeLessThan(1e-4);
        if (codePositions === 'rank') {
          // Ranks do not depend on the patches: the ids alone decode the same.
          const alone = tok.decodeIds(t.ids);
          expect(tf.tidy(() => tf.min(cosineSimilarity(alone, dec)).dataSync()[0])).toBeGreaterThan(1 - 1e-5);
          alone.dispose();
        } else {
          expect(() => tok.decodeIds(t.ids)).toThrow(/patch/);
        }
        dec.dispose();
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(() => tok.decodeIds([1, 2], [3])).toThrow(/patch indices/);
      expect(() => tok.decodeIds([1, 2], [3, 3])).toThrow(/increasing/);
      expect(() => tok.decodeIds([1], [16])).toThrow(/outside/);
      tf.dispose([x, batch]);
      tok.dispose();
    });
  }
});
