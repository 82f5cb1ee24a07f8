import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { TextEncoder } from './text-encoder.js';

beforeAll(async () => {
  await initBackend('wasm');
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
