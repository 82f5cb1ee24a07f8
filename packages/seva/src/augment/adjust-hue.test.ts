import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { adjustHue } from './color-adjust.js';
import { colorJitter } from './color-jitter.js';
import { hueFixture } from './fixtures/hue-fixture.js';
import { expectClose } from '../testing/expect-close.js';

// Tolerances are in [0, 1] units: results in other ranges are mapped back before comparing.
const ATOL = 1e-5;

describe.each(['wasm', 'cpu'] as const)('adjustHue and colorJitter hue (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('adjustHue matches the numpy reference in [0, 1], [-1, 1] and [0, 255]', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x01 = tf.tensor4d(hueFixture.images01);
      const ranges = [
        [0, 1],
        [-1, 1],
        [0, 255],
      ] as const;
      for (const [lo, hi] of ranges) {
        const x = tf.add(tf.mul(x01, hi - lo), lo);
        const to01 = (y: tf.Tensor) => tf.div(tf.sub(y, lo), hi - lo).dataSync();
        for (const { factor, output } of hueFixture.cases) {
          const y = lo === -1 ? adjustHue(x, factor) : adjustHue(x, factor, { valueRange: [lo, hi] });
          expectClose(to01(y), output.flat(3), { atol: ATOL, rtol: 0, label: `factor ${factor} in [${lo}, ${hi}]` });
        }
        const y = adjustHue(x, hueFixture.perImage.factors, { valueRange: [lo, hi] });
        expectClose(to01(y), hueFixture.perImage.output.flat(3), { atol: ATOL, rtol: 0, label: `per-image factors in [${lo}, ${hi}]` });
      }
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('adjustHue: factor 0 is the identity and +f then -f returns the input', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomUniform([3, 6, 5, 3], -1, 1, 'float32', 21);
      expectClose(adjustHue(x, 0).dataSync(), x.dataSync(), { atol: 1e-6, rtol: 0, label: 'identity' });
      // Saturated colours: one channel at each end of the range, the third anywhere.
      const sat = tf.tensor4d([1, -1, 0.3, -1, 0.8, 1, 0.1, 1, -1, 1, 0.95, -1, -1, -0.4, 1, 1, -1, -0.99], [1, 2, 3, 3]);
      for (const input of [x, sat]) {
        for (const f of [0.5, 0.37, 0.1, -0.23, -0.5]) {
          expectClose(adjustHue(adjustHue(input, f), -f).dataSync(), input.dataSync(), { atol: 2 * ATOL, rtol: 0, label: `+${f} then -${f}` });
        }
      }
      // Half a turn is the complementary colour: red becomes cyan.
      expectClose(adjustHue(tf.tensor4d([1, -1, -1], [1, 1, 1, 3]), 0.5).dataSync(), [-1, 1, 1], { atol: 1e-6, rtol: 0, label: 'red + 0.5' });
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('adjustHue rejects bad input by name', () => {
    const x = tf.zeros([2, 2, 2, 3]);
    expect(() => adjustHue(x, 0.6)).toThrow(/adjustHue: hueFactor\[0\] must be a finite number in \[-0.5, 0.5\]; got 0.6/);
    expect(() => adjustHue(x, [0.1, Number.NaN])).toThrow(/adjustHue: hueFactor\[1\] must be a finite number in \[-0.5, 0.5\]; got NaN/);
    expect(() => adjustHue(x, [0.1])).toThrow(/adjustHue: hueFactor must be a number or one number per image \(2\); got 1/);
    expect(() => adjustHue(tf.zeros([1, 2, 2, 1]), 0.1)).toThrow(/adjustHue: images must have 3 \(RGB\) channels; got 1/);
    expect(() => adjustHue(tf.zeros([2, 2, 3]), 0.1)).toThrow(/adjustHue: images must be \[B, H, W, C\]/);
    expect(() => adjustHue(x, 0.1, { valueRange: [1, 0] })).toThrow(/adjustHue: valueRange must be \[lo, hi\] with finite lo < hi/);
    x.dispose();
  });

  it('colorJitter hue: seeded, each factor in [-h, h], the same as adjustHue with that factor', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const B = 32;
      const h = 0.1;
      // Pixel 0 of every image is pure red, so its output tells the drawn factor: red shifted by
      // f > 0 is (1, 6f, 0) and by f < 0 is (1, 0, -6f) in [0, 1].
      const one = tf.concat([tf.tensor4d([1, 0, 0], [1, 1, 1, 3]), tf.randomUniform([1, 1, 5, 3], 0, 1, 'float32', 8)], 2);
      const x = tf.tile(one, [B, 1, 1, 1]);
      const out = colorJitter(x, { hue: h, seed: 17, valueRange: [0, 1] });
      expect(Array.from(colorJitter(x, { hue: h, seed: 17, valueRange: [0, 1] }).dataSync())).toEqual(Array.from(out.dataSync()));
      expect(Array.from(colorJitter(x, { hue: h, seed: 18, valueRange: [0, 1] }).dataSync())).not.toEqual(Array.from(out.dataSync()));
      const v = out.arraySync() as number[][][][];
      const factors = v.map((img) => (img[0][0][1] - img[0][0][2]) / 6);
      factors.forEach((f, b) => {
        expect(Math.abs(f)).toBeLessThanOrEqual(h + 1e-6);
        const expected = adjustHue(tf.slice(x, [b, 0, 0, 0], [1, -1, -1, -1]), f, { valueRange: [0, 1] });
        expectClose(v[b].flat(2), expected.dataSync(), { atol: 1e-5, rtol: 0, label: `image ${b}` });
      });
      expect(factors.some((f) => f > 0.05)).toBe(true);
      expect(factors.some((f) => f < -0.05)).toBe(true);
      expect(new Set(factors.map((f) => f.toFixed(4))).size).toBeGreaterThan(B / 2);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('colorJitter with all four strengths is seeded and in range; hue 0 keeps the hue-less draws', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomUniform([3, 4, 4, 3], -1, 1, 'float32', 6);
      const moco = { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, seed: 5 };
      const a = colorJitter(x, moco);
      expect(Array.from(colorJitter(x, moco).dataSync())).toEqual(Array.from(a.dataSync()));
      expect(Array.from(colorJitter(x, { ...moco, hue: 0 }).dataSync())).not.toEqual(Array.from(a.dataSync()));
      expect(tf.min(a).dataSync()[0]).toBeGreaterThanOrEqual(-1);
      expect(tf.max(a).dataSync()[0]).toBeLessThanOrEqual(1);
      // Values recorded from colorJitter before hue existed (commit e15f8bd), same input and seed.
      const y = tf.tensor4d(
        Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => ((i * 37) % 200) / 100 - 1),
        [3, 2, 2, 3],
      );
      const old = colorJitter(y, { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0, seed: 7 }).dataSync();
      const first = [-1, -0.8344980478286743, -0.23177814483642578, 0.1432628631591797, 0.7459826469421387, 1];
      const last = [-0.15391165018081665, 0.19067084789276123, 0.515419602394104, -0.9707717299461365, -0.626189112663269, -0.2816064953804016];
      expectClose(Array.from(old).slice(0, 6), first, { atol: 1e-6, rtol: 0, label: 'pre-hue first' });
      expectClose(Array.from(old).slice(-6), last, { atol: 1e-6, rtol: 0, label: 'pre-hue last' });
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('colorJitter rejects a hue outside [0, 0.5]', () => {
    const x = tf.zeros([1, 2, 2, 3]);
    for (const hue of [-0.1, 0.6, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => colorJitter(x, { hue })).toThrow(/colorJitter: hue must be a finite number in \[0, 0.5\]; got/);
    }
    x.dispose();
  });
});
