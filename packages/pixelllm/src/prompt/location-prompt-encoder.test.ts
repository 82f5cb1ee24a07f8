import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { LocationPromptEncoder, WHOLE_IMAGE_BOX } from './location-prompt-encoder.js';
import { fourierFeatures } from './fourier-features.js';
import { expectAllClose } from '../testing/expect-close.js';
import { tinyVlm, tokenizer } from '../testing/tiny-setup.js';

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

  it('dense positional encoding: cell (row, col) gets the code of a point prompt at its centre, in the ViT raster order', () => {
    const enc = new LocationPromptEncoder(32, { frequencies: 8, seed: 4, densePositions: true });
    const grid = 3;
    tf.tidy(() => {
      const pe = enc.densePositionalEncoding(grid).arraySync() as number[][];
      expect(pe.length).toBe(9);
      const typeRows = (enc.getModule('type_embed') as unknown as { weight: tf.Variable }).weight.arraySync() as number[][];
      for (const [row, col] of [[0, 0], [0, 2], [2, 1], [1, 1]]) {
        const centre: [number, number] = [(col + 0.5) / grid, (row + 0.5) / grid];
        const token = (enc.forward([centre]).arraySync() as number[][][])[0][0];
        // A point prompt = projected Fourier code + the "point" type embedding (row 2).
        expectAllClose(pe[row * grid + col], token.map((v, i) => v - typeRows[2][i]), 1e-5);
      }
    });
    expect(() => enc.densePositionalEncoding(0)).toThrow(/grid must be a positive integer/);
    enc.dispose();
  });

  it('visualTokens: the VLM tokens gathered per row, plus the dense encoding when on; undefined when neither applies', () => {
    const model = tinyVlm(tokenizer, 5);
    const plain = new LocationPromptEncoder(32, { seed: 6 });
    const dense = new LocationPromptEncoder(32, { seed: 6, densePositions: true });
    const images = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(plain.visualTokens(model, images)).toBeUndefined();
    tf.tidy(() => {
      const own = model.encodeImages(images).arraySync() as number[][][];
      const gathered = plain.visualTokens(model, images, [1, 0, 1])!.arraySync() as number[][][];
      expect(gathered.length).toBe(3);
      expectAllClose(gathered[0].flat(), own[1].flat(), 1e-6);
      expectAllClose(gathered[2].flat(), own[1].flat(), 1e-6);
      expectAllClose(gathered[1].flat(), own[0].flat(), 1e-6);
      // The gate starts at 0: the tokens are the VLM's own until training opens it.
      expectAllClose((dense.visualTokens(model, images)!.arraySync() as number[][][])[1].flat(), own[1].flat(), 1e-6);
      const gate = dense.namedParameters().find(([n]) => n === 'dense_pe_gate')![1];
      gate.assign(tf.tensor1d([0.7]));
      const pe = dense.densePositionalEncoding(4).arraySync() as number[][];
      const withPe = dense.visualTokens(model, images)!.arraySync() as number[][][];
      expectAllClose(withPe[1].flat(), own[1].flat().map((v, i) => v + 0.7 * pe.flat()[i]), 1e-5);
    });
    expect(plain.namedParameters().some(([n]) => n === 'dense_pe_gate')).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => plain.visualTokens(model, images, [0, 2])).toThrow(/rowImage entries must be image indices in \[0, 2\)/);
    tf.dispose(images);
    [model, plain, dense].forEach((m) => m.dispose());
  });
});
