import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { DualEncoder } from './dual-encoder.js';
import { microDual } from './testing-configs.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('DualEncoder', () => {
  it('encodes images and texts into the shared space with bias-free projections', () => {
    const de = new DualEncoder(microDual, { seed: 1 });
    expect(de.capabilities).toEqual(['dual-encoder', 'vision']);
    expect(de.children().map(([n]) => n)).toEqual(['vision', 'text', 'image_proj', 'text_proj']);
    expect(de.namedParameters().map(([n]) => n)).not.toContain('image_proj.bias');
    const images = tf.zeros([3, 16, 16, 3]) as tf.Tensor4D;
    const ids = tf.tensor2d([[1, 4, 2, 0], [1, 2, 0, 0], [1, 5, 6, 2]], [3, 4], 'int32');
    const img = de.encodeImage(images);
    const txt = de.encodeText(ids, [3, 2, 4]);
    expect(img.shape).toEqual([3, 16]);
    expect(txt.shape).toEqual([3, 16]);
    // The text embedding equals text_proj of the pooled text feature (no normalisation).
    const manual = tf.tidy(() => tf.matMul(de.text.forward(ids, [3, 2, 4]).pooled, de.text_proj.stateDict().weight));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(manual, txt))).dataSync()[0])).toBeLessThan(1e-6);
    tf.dispose([images, ids, img, txt, manual]);
    de.dispose();
  });
});
