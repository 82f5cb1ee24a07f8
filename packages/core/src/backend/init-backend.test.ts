import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './init-backend.js';

describe('initBackend', () => {
  it('picks wasm here (tfjs-node is not installable offline) with SIMD, and reports why tensorflow was skipped', async () => {
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.skipped[0].name).toBe('tensorflow');
    expect(info.skipped[0].reason).toMatch(/not installed|binding/);
  });

  it('registers gradients and gather gradient on wasm, and matMul transposes agree with cpu', async () => {
    await initBackend('wasm');
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const ids = tf.tensor1d([0, 2, 0], 'int32');
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))(table);
    expect(Array.from(g.dataSync())).toEqual([2, 2, 0, 0, 1, 1]);
    const a = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const b = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
    const viaFlags = tf.matMul(a, tf.transpose(b), false, true);
    expect(Array.from(viaFlags.dataSync())).toEqual([4, 5, 10, 11]);
    tf.dispose([table, ids, g, a, b, viaFlags]);
  });

  it('oneHot with a float32 output is correct on wasm (tfjs 4.22 returns zeros without our fix)', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const ids = tf.tensor1d([2, 0], 'int32');
    const oh = tf.oneHot(ids, 3, 1, 0, 'float32');
    expect(oh.dtype).toBe('float32');
    expect(Array.from(oh.dataSync())).toEqual([0, 0, 1, 1, 0, 0]);
    tf.dispose([ids, oh]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('forcing an unknown backend name is a clear error', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(/could not start|expected one of/);
  });
});
