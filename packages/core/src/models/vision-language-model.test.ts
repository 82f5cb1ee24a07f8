import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { VisionLanguageModel } from './vision-language-model.js';
import { microVLM } from './testing-configs.js';
import type { Module } from '../nn/module.js';

beforeAll(async () => {
  await initBackend('wasm');
});

function randomise(m: Module, std = 0.3): void {
  for (const [, v] of m.namedParameters()) {
    const t = tf.randomNormal(v.shape, 0, std, 'float32', v.size + 13 * v.shape.length);
    v.assign(t);
    t.dispose();
  }
}
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('VisionLanguageModel', () => {
  it('returns text-position logits/hidden, the visual-token mask and the prefix length', () => {
    const vlm = new VisionLanguageModel(microVLM, { seed: 1 });
    expect(vlm.capabilities).toEqual(['vlm', 'lm', 'vision']);
    expect(vlm.children().map(([n]) => n)).toEqual(['vision', 'projector', 'lm']);
    const images = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const inputIds = tf.tensor2d([[1, 5, 2, 0], [1, 6, 7, 2]], [2, 4], 'int32');
    const extraPrefix = tf.randomNormal([2, 2, 16], 0, 1, 'float32', 2) as tf.Tensor3D;
    const out = vlm.forward({ images, inputIds, attentionMask: tf.tensor2d([[1, 1, 1, 0], [1, 1, 1, 1]]), extraPrefix });
    expect(out.logits.shape).toEqual([2, 4, 24]);
    expect(out.hidden.shape).toEqual([2, 4, 16]);
    expect(out.numPrefixTokens).toBe(6);
    // 4 visual tokens, then 2 extra-prefix tokens and 4 text tokens, none of them visual.
    expect(Array.from(out.visualTokenMask.dataSync().slice(0, 10))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const enc = vlm.encodeImages(images);
    expect(enc.shape).toEqual([2, 4, 16]);
    tf.dispose([images, inputIds, extraPrefix, out.logits, out.hidden, out.visualTokenMask, enc]);
    vlm.dispose();
  });

  it('withoutImage: text logits do not depend on the pixels, keep positions, and differ from the image pass', () => {
    const vlm = new VisionLanguageModel(microVLM, { seed: 2 });
    randomise(vlm);
    const a = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const b = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const inputIds = tf.tensor2d([[1, 5, 6]], [1, 3], 'int32');
    const na = vlm.forward({ images: a, inputIds, withoutImage: true });
    const nb = vlm.forward({ images: b, inputIds, withoutImage: true });
    const wa = vlm.forward({ images: a, inputIds });
    const wb = vlm.forward({ images: b, inputIds });
    expect(maxDiff(na.logits, nb.logits)).toBe(0);
    expect(maxDiff(wa.logits, wb.logits)).toBeGreaterThan(1e-3);
    expect(maxDiff(na.logits, wa.logits)).toBeGreaterThan(1e-3);
    // Positions are kept: the text sits after 4 (hidden) visual positions, so the image-less pass equals
    // the LM run with a fully masked 4-token prefix, not the LM on the text alone.
    const lmMasked = vlm.lm.forward(inputIds, { prefix: tf.randomNormal([1, 4, 16]), maskPrefix: true, outputStart: 4 });
    expect(maxDiff(na.logits, lmMasked.logits)).toBeLessThan(1e-5);
    tf.dispose([a, b, inputIds, na.logits, na.hidden, na.visualTokenMask, nb.logits, nb.hidden, nb.visualTokenMask]);
    tf.dispose([wa.logits, wa.hidden, wa.visualTokenMask, wb.logits, wb.hidden, wb.visualTokenMask, lmMasked.logits, lmMasked.hidden]);
    vlm.dispose();
  });

  it('passes { visualMask } (visual rows = 1) to the LM linear layers', () => {
    const vlm = new VisionLanguageModel(microVLM, { seed: 3 });
    const seen: number[][] = [];
    const q = vlm.lm.blocks.at(0).attn.q_proj as unknown as { forward: (x: tf.Tensor, ctx?: { visualMask?: tf.Tensor }) => tf.Tensor };
    const orig = q.forward.bind(q);
    q.forward = (x, ctx) => {
      if (ctx?.visualMask) seen.push(Array.from(ctx.visualMask.dataSync()));
      return orig(x, ctx);
    };
    const images = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const inputIds = tf.tensor2d([[1, 5]], [1, 2], 'int32');
    const out = vlm.forward({ images, inputIds });
    expect(seen).toEqual([[1, 1, 1, 1, 0, 0]]);
    tf.dispose([images, inputIds, out.logits, out.hidden, out.visualTokenMask]);
    vlm.dispose();
  });

  it('generate: greedy equals argmax over full forwards, is reproducible, and frees its tensors', async () => {
    const vlm = new VisionLanguageModel(microVLM, { seed: 4 });
    randomise(vlm, 0.4);
    const images = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    await vlm.generate(images, { maxNewTokens: 2 });
    const before = tf.memory().numTensors;
    const res = await vlm.generate(images, { maxNewTokens: 4, bosId: 1, returnLogProbs: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(res.ids.length).toBe(2);
    expect(res.logProbs![0].length).toBe(4);
    const seqs = [[1], [1]];
    for (let s = 0; s < 4; s++) {
      const next = tf.tidy(() => {
        const out = vlm.forward({ images, inputIds: tf.tensor2d(seqs, [2, seqs[0].length], 'int32') });
        return Array.from(tf.argMax(tf.slice(out.logits, [0, seqs[0].length - 1, 0], [2, 1, 24]), 2).dataSync());
      });
      seqs.forEach((q, r) => q.push(next[r]));
    }
    expect(res.ids).toEqual(seqs.map((q) => q.slice(1)));
    images.dispose();
    vlm.dispose();
  });

  it('generate with an extraPrefix: greedy equals argmax over full forwards with the same prefix', async () => {
    const vlm = new VisionLanguageModel(microVLM, { seed: 6 });
    randomise(vlm, 0.4);
    const images = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    const extraPrefix = tf.randomNormal([2, 3, microVLM.lm.width], 0, 1, 'float32', 8) as tf.Tensor3D;
    const res = await vlm.generate(images, { maxNewTokens: 4, bosId: 1, extraPrefix });
    const seqs = [[1], [1]];
    for (let s = 0; s < 4; s++) {
      const next = tf.tidy(() => {
        const out = vlm.forward({ images, inputIds: tf.tensor2d(seqs, [2, seqs[0].length], 'int32'), extraPrefix });
        return Array.from(tf.argMax(tf.slice(out.logits, [0, seqs[0].length - 1, 0], [2, 1, 24]), 2).dataSync());
      });
      seqs.forEach((q, r) => q.push(next[r]));
    }
    expect(res.ids).toEqual(seqs.map((q) => q.slice(1)));
    tf.dispose([images, extraPrefix]);
    vlm.dispose();
  });

  it('visualTokens: precomputed tokens give the same logits as the images, can be reused across rows, and are checked', async () => {
    const vlm = new VisionLanguageModel(microVLM, { seed: 9 });
    randomise(vlm, 0.4);
    const before = tf.memory().numTensors;
    const images = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 10) as tf.Tensor4D;
    const inputIds = tf.tensor2d([[1, 5, 2, 0], [1, 6, 7, 2], [1, 8, 2, 0]], [3, 4], 'int32');
    const rowImage = tf.tensor1d([0, 1, 0], 'int32');
    const tokens = vlm.encodeImages(images);
    const viaImages = tf.tidy(() => vlm.forward({ images: tf.gather(images, rowImage), inputIds }).logits);
    const viaTokens = tf.tidy(() => {
      const reused = tf.gather(tokens, rowImage) as tf.Tensor3D;
      // Two distinct images for three rows: the images are not read when tokens are given.
      return vlm.forward({ images, inputIds, visualTokens: reused }).logits;
    });
    expect(maxDiff(viaImages, viaTokens)).toBeLessThan(1e-5);
    // Noise added to the tokens (a constant would vanish in the pre-norm LayerNorm) reaches the logits (they are really used).
    const shifted = tf.tidy(() => vlm.forward({ images: tf.gather(images, rowImage), inputIds, visualTokens: tf.add(tf.gather(tokens, rowImage), tf.randomNormal([3, tokens.shape[1], 16], 0, 1, 'float32', 11)) as tf.Tensor3D }).logits);
    expect(maxDiff(viaImages, shifted)).toBeGreaterThan(1e-3);
    expect(() => vlm.forward({ images, inputIds: tf.tensor2d([[1, 2], [1, 2]], [2, 2], 'int32'), visualTokens: tf.zeros([2, 3, microVLM.lm.width]) as tf.Tensor3D })).toThrow(
      /visualTokens must be \[2,\d+,16\]/,
    );
    const a = await vlm.generate(images, { maxNewTokens: 3, bosId: 1 });
    const b = await vlm.generate(images, { maxNewTokens: 3, bosId: 1, visualTokens: tokens });
    expect(b.ids).toEqual(a.ids);
    tf.dispose([images, inputIds, rowImage, tokens, viaImages, viaTokens, shifted]);
    // The zeros of the failed call are the only leak allowed (the error is thrown before any tidy).
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2);
    vlm.dispose();
  });
});
