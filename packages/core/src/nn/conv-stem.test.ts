import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { ConvStem, im2col3x3Stride2 } from './conv-stem.js';
import { ViT, convStemChannels } from '../models/vit.js';
import { countModelParameters } from '../models/presets.js';
import { setFusedOps } from '../ops/fused-switch.js';

beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

const PAD: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];

function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1e-12, tf.max(tf.abs(b)).dataSync()[0]));
}

/** `[9*C, out]` (dy, dx, c) weight -> tfjs conv filter `[3, 3, C, out]` (the same order, reshaped). */
function asFilter(w: tf.Tensor2D, c: number): tf.Tensor4D {
  return tf.reshape(w, [3, 3, c, w.shape[1]]);
}

describe.each([['fused kernel', true], ['composed slices', false]])('im2col3x3Stride2 (%s)', (_, fused) => {
  beforeAll(() => setFusedOps(fused));
  afterAll(() => setFusedOps(true));

  it('times a weight equals tfjs conv2d (stride 2, padding 1) on odd channel counts and non-square images', () => {
    for (const [b, h, w, c, out] of [[2, 8, 6, 3, 5], [1, 4, 4, 1, 2], [3, 16, 10, 7, 4]]) {
      const x = tf.randomNormal([b, h, w, c], 0, 1, 'float32', 1) as tf.Tensor4D;
      const wt = tf.randomNormal([9 * c, out], 0, 1, 'float32', 2) as tf.Tensor2D;
      const cols = im2col3x3Stride2(x);
      expect(cols.shape).toEqual([b, h / 2, w / 2, 9 * c]);
      const ours = tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(cols, [-1, 9 * c]), wt), [b, h / 2, w / 2, out]));
      const ref = tf.conv2d(x, asFilter(wt, c), 2, PAD);
      expect(maxRel(ours, ref)).toBeLessThan(1e-5);
      tf.dispose([x, wt, cols, ours, ref]);
    }
  });

  it('has the gradients of conv2d (filter and input), checked against the cpu backend, which has Conv2DBackpropFilter', async () => {
    const [b, h, w, c, out] = [2, 8, 8, 3, 4];
    const xv = tf.randomNormal([b, h, w, c], 0, 1, 'float32', 3).dataSync().slice();
    const wv = tf.randomNormal([9 * c, out], 0, 1, 'float32', 4).dataSync().slice();
    const rv = tf.randomNormal([b, h / 2, w / 2, out], 0, 1, 'float32', 5).dataSync().slice();
    const grads = (useConv: boolean): Float32Array[] => {
      const x = tf.tensor4d(xv, [b, h, w, c]);
      const wt = tf.tensor2d(wv, [9 * c, out]);
      const r = tf.tensor4d(rv, [b, h / 2, w / 2, out]);
      const f = (xx: tf.Tensor, ww: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(useConv ? tf.conv2d(xx as tf.Tensor4D, asFilter(ww as tf.Tensor2D, c), 2, PAD) : tf.reshape(tf.matMul(tf.reshape(im2col3x3Stride2(xx as tf.Tensor4D), [-1, 9 * c]), ww as tf.Tensor2D), [b, h / 2, w / 2, out]), r));
      const g = tf.grads(f)([x, wt]);
      const vals = g.map((t) => t.dataSync().slice() as Float32Array);
      tf.dispose([x, wt, r, ...g]);
      return vals;
    };
    const ours = grads(false);
    await tf.setBackend('cpu');
    const ref = grads(true);
    const oursOnCpu = grads(false);
    await tf.setBackend('wasm');
    for (let k = 0; k < 2; k++) expect(Math.max(...oursOnCpu[k].map((v, i) => Math.abs(v - ours[k][i])))).toBeLessThan(1e-4);
    for (let k = 0; k < 2; k++) {
      const scale = Math.max(...ref[k].map(Math.abs));
      const worst = Math.max(...ours[k].map((v, i) => Math.abs(v - ref[k][i])));
      expect(worst / scale).toBeLessThan(1e-5);
    }
  });

  it('rejects odd sizes', () => {
    const x = tf.zeros([1, 5, 4, 3]) as tf.Tensor4D;
    expect(() => im2col3x3Stride2(x)).toThrow(/must be even, got \[1,5,4,3\]/);
    x.dispose();
  });
});

describe('ConvStem and ViT stem "conv"', () => {
  it('halves the image per stage, LayerNorm+GELU between stages, and keeps the tensor count flat', () => {
    const stem = new ConvStem(3, [8, 16, 12], { seed: 1 });
    expect(stem.namedParameters().map(([n]) => n)).toEqual([
      'convs.0.weight', 'convs.0.bias', 'convs.1.weight', 'convs.1.bias', 'convs.2.weight', 'convs.2.bias',
      'norms.0.weight', 'norms.0.bias', 'norms.1.weight', 'norms.1.bias',
    ]);
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const g = tf.grads((xx: tf.Tensor) => tf.sum(tf.square(stem.forward(xx as tf.Tensor4D))))([x]);
      tf.dispose(g);
    }
    expect(tf.memory().numTensors).toBe(before);
    const y = stem.forward(x);
    expect(y.shape).toEqual([2, 2, 2, 12]);
    tf.dispose([x, y]);
    stem.dispose();
  });

  it('gives a ViT the same token grid, counts its parameters, and rejects a patch size that is not a power of two', () => {
    const cfg = { imageSize: 16, patchSize: 4, width: 16, layers: 1, heads: 2, mlpHidden: 32, stem: 'conv' as const };
    expect(convStemChannels(8, 64)).toEqual([16, 32, 64]);
    expect(convStemChannels(4, 16)).toEqual([16, 16]);
    const vit = new ViT(cfg, { seed: 2 });
    const names = vit.namedParameters().map(([n]) => n);
    expect(names).toContain('stem.convs.1.weight');
    expect(names).not.toContain('patch_embed.weight');
    expect(() => vit.patch_embed).toThrow(/stem "conv"/);
    const images = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const out = vit.forward(images);
    expect(out.tokens.shape).toEqual([2, 16, 16]);
    const total = vit.namedParameters().reduce((s, [, p]) => s + p.size, 0);
    const lmPart = countModelParameters('dual-encoder', { vision: cfg, text: { vocabSize: 10, maxLength: 4, width: 8, layers: 0, heads: 1, mlpHidden: 8 }, embedDim: 4 });
    const textPart = 10 * 8 + 4 * 8 + 2 * 8 + (16 + 8) * 4;
    expect(lmPart - textPart).toBe(total);
    expect(() => new ViT({ ...cfg, imageSize: 12, patchSize: 6 })).toThrow(/power of two/);
    tf.dispose([images, out.tokens, out.pooled]);
    vit.dispose();
  });
});
