import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { alphaBar, diffusionNoise, sigmoidBetaSchedule } from './diffusion-noise.js';
import { sevaFixture } from './fixtures/seva-fixture.js';
import { expectClose } from './testing/expect-close.js';

const s = sevaFixture.schedule;

describe('sigmoidBetaSchedule / alphaBar vs PyTorch', () => {
  it('matches the betas and alpha-bar of the float64 reference', () => {
    const betas = sigmoidBetaSchedule(s.steps, s.start, s.end);
    expect(betas.length).toBe(1000);
    expectClose(
      s.t.map((t) => betas[t]),
      s.betas,
      { atol: 1e-15, rtol: 1e-9, label: 'betas' },
    );
    expectClose(
      s.t.map((t) => alphaBar(t)),
      s.alphaBar,
      { atol: 1e-15, rtol: 1e-9, label: 'alphaBar' },
    );
    expectClose(sigmoidBetaSchedule(5, 0.1, 0.2), s.betasSmall, { atol: 1e-15, rtol: 1e-9, label: 'small schedule' });
  });

  it('stays within 3e-7 of the float32 computation the original code runs', () => {
    expectClose(
      s.t.map((t) => alphaBar(t)),
      s.alphaBarFloat32,
      { atol: 3e-7, rtol: 0, label: 'alphaBar float32' },
    );
  });

  it('reproduces the documented coefficients at t = 500 and 800', () => {
    expect(Math.sqrt(alphaBar(500))).toBeCloseTo(0.863, 3);
    expect(Math.sqrt(alphaBar(800))).toBeCloseTo(0.467, 3);
  });

  it('rejects bad arguments', () => {
    expect(() => sigmoidBetaSchedule(1)).toThrow(/steps must be an integer >= 2/);
    expect(() => sigmoidBetaSchedule(10, 0.2, 0.1)).toThrow(/0 < start < end < 1/);
    expect(() => alphaBar(1000)).toThrow(/alphaBar: t must be an integer in \[0, 999\]/);
  });
});

describe.each(['wasm', 'cpu'] as const)('diffusionNoise (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('reproduces with seed 0 (tfjs treats a raw 0 as unseeded)', () => {
    const x0 = tf.zeros([1, 8, 8, 3]);
    const a = diffusionNoise(x0, 500, { seed: 0 });
    const b = diffusionNoise(x0, 500, { seed: 0 });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x0, a, b]);
  });

  it('is sqrt(abar) x0 + sqrt(1 - abar) eps with standard normal eps, reproducible by seed', () => {
    const before = tf.memory().numTensors;
    const x0 = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1);
    const a = diffusionNoise(x0, 500, { seed: 7 });
    const b = diffusionNoise(x0, 500, { seed: 7 });
    const c = diffusionNoise(x0, 500, { seed: 8 });
    expect(a.shape).toEqual([2, 32, 32, 3]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, c))).dataSync()[0])).toBeGreaterThan(0.1);
    const ab = alphaBar(500);
    const { mean, std } = tf.tidy(() => {
      const eps = tf.div(tf.sub(a, tf.mul(x0, Math.sqrt(ab))), Math.sqrt(1 - ab));
      const m = tf.moments(eps);
      return { mean: m.mean.dataSync()[0], std: Math.sqrt(m.variance.dataSync()[0]) };
    });
    // 6144 draws: the sample mean's sd is ~0.013, the sample std's ~0.009.
    expect(Math.abs(mean)).toBeLessThan(0.06);
    expect(Math.abs(std - 1)).toBeLessThan(0.04);
    tf.dispose([x0, a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('scales a zero image by sqrt(1 - abar) only', () => {
    tf.tidy(() => {
      const noisy = diffusionNoise(tf.zeros([1, 64, 64, 3]), 800, { seed: 3 });
      const std = Math.sqrt(tf.moments(noisy).variance.dataSync()[0]);
      expect(std).toBeCloseTo(Math.sqrt(1 - alphaBar(800)), 1);
    });
  });

  it('rejects bad arguments', () => {
    tf.tidy(() => {
      expect(() => diffusionNoise(tf.zeros([2, 2, 3]), 10)).toThrow(/diffusionNoise: images must be \[B, H, W, C\]/);
      expect(() => diffusionNoise(tf.zeros([1, 2, 2, 3]), 1000)).toThrow(/t must be an integer in \[0, 999\]/);
      expect(() => diffusionNoise(tf.zeros([1, 2, 2, 3]), 10, { schedule: 'linear' as 'sigmoid' })).toThrow(/schedule must be 'sigmoid'/);
    });
  });
});
