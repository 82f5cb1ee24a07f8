import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { ViT } from './vit.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const cfg = { imageSize: 8, patchSize: 4, channels: 3, width: 8, layers: 1, heads: 2, mlpHidden: 16 };

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
