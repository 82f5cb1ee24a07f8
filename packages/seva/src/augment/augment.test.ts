import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { adjustBrightness, adjustContrast, adjustSaturation } from './color-adjust.js';
import { colorJitter } from './color-jitter.js';
import { flipHorizontal } from './flip-horizontal.js';
import { randomCrop } from './random-crop.js';
import { sevaFixture } from '../fixtures/seva-fixture.js';
import { expectClose } from '../testing/expect-close.js';

const col = sevaFixture.colour;

describe.each(['wasm', 'cpu'] as const)('augmentations (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('colour adjustments match the PyTorch formulas, in [0, 1] and in [-1, 1]', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x01 = tf.tensor4d(col.images01);
      const xm1 = tf.sub(tf.mul(x01, 2), 1);
      const cases = [
        ['brightness', adjustBrightness, col.brightness],
        ['contrast', adjustContrast, col.contrast],
        ['saturation', adjustSaturation, col.saturation],
      ] as const;
      for (const [name, fn, expected] of cases) {
        expectClose(fn(x01, col.factors, { valueRange: [0, 1] }).dataSync(), expected.flat(3), { atol: 1e-6, label: `${name} [0,1]` });
        const back = tf.div(tf.add(fn(xm1, col.factors), 1), 2);
        expectClose(back.dataSync(), expected.flat(3), { atol: 2e-6, label: `${name} [-1,1]` });
      }
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('flipHorizontal mirrors the width axis, all or per image with a seed', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [2, 1, 3, 1]);
      expect(Array.from(flipHorizontal(x).dataSync())).toEqual([3, 2, 1, 6, 5, 4]);
      expect(Array.from(flipHorizontal(x, { p: 0 }).dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
      const big = tf.tile(tf.tensor4d([1, 2], [1, 1, 2, 1]), [64, 1, 1, 1]);
      const a = flipHorizontal(big, { p: 0.5, seed: 11 }).dataSync();
      expect(Array.from(flipHorizontal(big, { p: 0.5, seed: 11 }).dataSync())).toEqual(Array.from(a));
      const flippedCount = Array.from({ length: 64 }, (_, b) => a[2 * b]).filter((v) => v === 2).length;
      expect(flippedCount).toBeGreaterThan(16);
      expect(flippedCount).toBeLessThan(48);
    });
  });

  it('randomCrop takes an in-bounds window per image, reproducibly', () => {
    tf.tidy(() => {
      const [B, H, W] = [6, 7, 9];
      // Pixel value encodes (b, y, x), so a crop reveals its offset.
      const x = tf.tensor4d(
        Array.from({ length: B * H * W }, (_, i) => i),
        [B, H, W, 1],
      );
      const crop = randomCrop(x, [3, 4], { seed: 5 });
      expect(crop.shape).toEqual([B, 3, 4, 1]);
      expect(Array.from(randomCrop(x, [3, 4], { seed: 5 }).dataSync())).toEqual(Array.from(crop.dataSync()));
      const v = crop.arraySync() as number[][][][];
      const offsets = new Set<string>();
      for (let b = 0; b < B; b++) {
        const first = v[b][0][0][0] - b * H * W;
        const top = Math.floor(first / W);
        const left = first % W;
        expect(top + 3).toBeLessThanOrEqual(H);
        expect(left + 4).toBeLessThanOrEqual(W);
        for (let y = 0; y < 3; y++) for (let xx = 0; xx < 4; xx++) expect(v[b][y][xx][0]).toBe(b * H * W + (top + y) * W + left + xx);
        offsets.add(`${top},${left}`);
      }
      expect(offsets.size).toBeGreaterThan(1);
      expect(() => randomCrop(x, 8)).toThrow(/randomCrop: size must be positive integers no larger than the image \[7, 9\]/);
    });
  });

  it('colorJitter (brightness only) scales each image by one factor in [1 - b, 1 + b]', () => {
    tf.tidy(() => {
      // Values in [0.1, 0.5] of [0, 1] never clip at factor <= 1.4.
      const x = tf.randomUniform([4, 5, 5, 3], 0.1, 0.5, 'float32', 2);
      const out = colorJitter(x, { brightness: 0.4, seed: 9, valueRange: [0, 1] });
      expect(Array.from(colorJitter(x, { brightness: 0.4, seed: 9, valueRange: [0, 1] }).dataSync())).toEqual(Array.from(out.dataSync()));
      const ratio = tf.div(out, x).arraySync() as number[][][][];
      const factors = ratio.map((img) => img[0][0][0]);
      ratio.forEach((img, b) => img.flat(2).forEach((r) => expect(r).toBeCloseTo(factors[b], 5)));
      factors.forEach((f) => {
        expect(f).toBeGreaterThanOrEqual(0.6);
        expect(f).toBeLessThanOrEqual(1.4);
      });
      expect(new Set(factors.map((f) => f.toFixed(4))).size).toBe(4);
    });
  });

  it('colorJitter keeps the value range and is the identity when every strength is 0', () => {
    tf.tidy(() => {
      const x = tf.randomUniform([2, 4, 4, 3], -1, 1, 'float32', 4);
      const out = colorJitter(x, { brightness: 0.8, contrast: 0.8, saturation: 0.8, seed: 1 });
      expect(tf.min(out).dataSync()[0]).toBeGreaterThanOrEqual(-1);
      expect(tf.max(out).dataSync()[0]).toBeLessThanOrEqual(1);
      expectClose(colorJitter(x).dataSync(), x.dataSync(), { atol: 1e-6, label: 'identity' });
      expect(() => colorJitter(x, { contrast: -1 })).toThrow(/colorJitter: contrast must be a finite number >= 0/);
    });
  });
});
