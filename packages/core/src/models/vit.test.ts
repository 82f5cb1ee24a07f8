import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { ViT } from './vit.js';
import { TextEncoder } from './text-encoder.js';
import { imagesToTensor } from './images-to-tensor.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const cfg = { imageSize: 8, patchSize: 4, channels: 3, width: 8, layers: 1, heads: 2, mlpHidden: 16 };

describe('imagesToTensor', () => {
  it('scales bytes to [-1, 1] and resizes other sizes', () => {
    const img = { width: 2, height: 2, channels: 3 as const, data: Uint8Array.from([0, 255, 127.5, 0, 0, 0, 255, 255, 255, 51, 102, 204]) };
    const t = imagesToTensor([img, img], 2);
    expect(t.shape).toEqual([2, 2, 2, 3]);
    expect(Array.from(t.dataSync().slice(0, 3))).toEqual([-1, 1, 127 / 127.5 - 1].map(Math.fround));
    const big = imagesToTensor([img], 4);
    expect(big.shape).toEqual([1, 4, 4, 3]);
    expect(() => imagesToTensor([{ ...img, data: new Uint8Array(5) }], 2)).toThrow(/images\[0\].*width\*height\*3 = 12/);
    tf.dispose([t, big]);
  });
});

describe('ViT', () => {
  it('patchify orders patches row-major and each patch (row, column, channel), like a JS loop', () => {
    const vit = new ViT(cfg);
    const vals = Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => i);
    const images = tf.tensor4d(vals, [2, 8, 8, 3]);
    const patches = vit.patchify(images);
    expect(patches.shape).toEqual([2, 4, 48]);
    const got = patches.arraySync() as number[][][];
    for (let b = 0; b < 2; b++)
      for (let py = 0; py < 2; py++)
        for (let px = 0; px < 2; px++) {
          const expected: number[] = [];
          for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 3; c++) expected.push(vals[((b * 8 + py * 4 + y) * 8 + px * 4 + x) * 3 + c]);
          expect(got[b][py * 2 + px]).toEqual(expected);
        }
    tf.dispose([images, patches]);
    vit.dispose();
  });

  it('encodes to final-LN tokens and their mean; same seed gives the same model', () => {
    const a = new ViT(cfg, { seed: 3 });
    const b = new ViT(cfg, { seed: 3 });
    const c = new ViT(cfg, { seed: 4 });
    expect(a.namedParameters().map(([n]) => n)).toContain('blocks.0.attn.q_proj.weight');
    expect(a.namedParameters().map(([n]) => n)).toContain('pos_embed');
    const images = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const out = a.forward(images);
    expect(out.tokens.shape).toEqual([2, 4, 8]);
    expect(out.pooled.shape).toEqual([2, 8]);
    const mean = tf.mean(out.tokens, 1);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(mean, out.pooled))).dataSync()[0])).toBeLessThan(1e-6);
    const outB = b.forward(images);
    const outC = c.forward(images);
    expect(Array.from(outB.pooled.dataSync())).toEqual(Array.from(out.pooled.dataSync()));
    expect(Array.from(outC.pooled.dataSync())).not.toEqual(Array.from(out.pooled.dataSync()));
    expect(() => a.forward(tf.zeros([1, 16, 16, 3]) as tf.Tensor4D)).toThrow(/expected images \[B, 8, 8, 3\]/);
    tf.dispose([images, out.tokens, out.pooled, mean, outB.tokens, outB.pooled, outC.tokens, outC.pooled]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('rejects an image size that is not a multiple of the patch size, naming the field', () => {
    expect(() => new ViT({ ...cfg, imageSize: 10 })).toThrow(/ViT: invalid config: .*multiple of patchSize/);
    expect(() => new ViT({ ...cfg, width: -1 })).toThrow(/width/);
  });
});

describe('TextEncoder', () => {
  const tcfg = { vocabSize: 20, maxLength: 6, width: 8, layers: 2, heads: 2, mlpHidden: 16 };

  it('pools at the last valid token; padding after it changes nothing; tensor lengths work', () => {
    const enc = new TextEncoder(tcfg, { seed: 1 });
    const ids = tf.tensor2d([[1, 5, 6, 2, 0, 0], [1, 7, 2, 0, 0, 0]], [2, 6], 'int32');
    const other = tf.tensor2d([[1, 5, 6, 2, 9, 9], [1, 7, 2, 4, 4, 4]], [2, 6], 'int32');
    const a = enc.forward(ids, [4, 3]);
    const b = enc.forward(other, tf.tensor1d([4, 3], 'int32'));
    expect(a.pooled.shape).toEqual([2, 8]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a.pooled, b.pooled))).dataSync()[0])).toBeLessThan(1e-6);
    const tokens = a.tokens.arraySync() as number[][][];
    const pooled = a.pooled.arraySync() as number[][];
    expect(pooled[0]).toEqual(tokens[0][3]);
    expect(pooled[1]).toEqual(tokens[1][2]);
    expect(() => enc.forward(ids, [7, 1])).toThrow(/lengths\[0\] = 7/);
    tf.dispose([ids, other, a.tokens, a.pooled, b.tokens, b.pooled]);
    enc.dispose();
  });
});
