import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { imagesToTensor } from './images-to-tensor.js';

beforeAll(async () => {
  await initBackend('wasm');
});

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
