import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { LocationPromptEncoder, WHOLE_IMAGE_BOX } from './location-prompt-encoder.js';
import { fourierFeatures } from './fourier-features.js';
import { expectAllClose } from '../testing/expect-close.js';

describe('LocationPromptEncoder', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('computes Fourier features as [sin, cos] of 2π (2p − 1) G', () => {
    const G = [
      [0.5, -1, 2],
      [1.5, 0.25, -0.75],
    ];
    const p = [0.2, 0.9];
    const z = [0, 1, 2].map((j) => 2 * Math.PI * ((2 * p[0] - 1) * G[0][j] + (2 * p[1] - 1) * G[1][j]));
    const expected = [...z.map(Math.sin), ...z.map(Math.cos)];
    const got = tf.tidy(() => fourierFeatures(tf.tensor2d([p]), tf.tensor2d(G)).dataSync());
    expectAllClose(got, expected, 1e-5);
  });

  it('turns boxes and points into 2 prefix tokens of the LM width', () => {
    const enc = new LocationPromptEncoder(24, { frequencies: 8, seed: 1 });
    tf.tidy(() => {
      const out = enc.forward([WHOLE_IMAGE_BOX, [0.1, 0.2, 0.5, 0.6], [0.3, 0.3]]);
      expect(out.shape).toEqual([3, 2, 24]);
      const v = out.arraySync() as number[][][];
      // Different boxes give different tokens; a point's second token is the bare not-a-point embedding.
      expect(v[0][0]).not.toEqual(v[1][0]);
      const typeOnly = (enc.getModule('type_embed') as unknown as { weight: tf.Variable }).weight.arraySync() as number[][];
      expectAllClose(v[2][1], typeOnly[3], 1e-6);
    });
    const trainable = enc.trainableParameters().length;
    expect(enc.parameters().length - trainable).toBe(1); // the Gaussian frequencies are frozen
    expect(() => enc.forward([[0.5, 0.5, 0.2, 0.9]])).toThrow(/x0 <= x1/);
    expect(() => enc.forward([[0.5] as unknown as [number, number]])).toThrow(/prompts\[0\]/);
    enc.dispose();
  });
});
