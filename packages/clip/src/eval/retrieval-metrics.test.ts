import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { retrievalChance, retrievalMetrics } from './retrieval-metrics.js';

describe('retrievalMetrics', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('computes R@K and ranks with several captions per image (by hand)', () => {
    // Cosine similarities (images are scaled to check the normalisation):
    //            t0   t1   t2        textToImage = [0, 0, 1]
    //   img0   [ 1,   0,   0.8 ]
    //   img1   [ 0,   1,   0.6 ]
    // image->text: img0's best caption t0 ranks 1; img1's only caption t2 ranks 2 (t1 scores higher).
    // text->image: t0 -> img0 rank 1; t1 -> img0 rank 2; t2 -> img1 rank 2.
    const before = tf.memory().numTensors;
    const images = tf.tensor2d([[2, 0], [0, 3]]);
    const texts = tf.tensor2d([[1, 0], [0, 1], [0.8, 0.6]]);
    const m = retrievalMetrics(images, texts, [0, 0, 1]);
    tf.dispose([images, texts]);
    expect(tf.memory().numTensors).toBe(before);
    expect(m['image_to_text_R@1']).toBeCloseTo(0.5, 12);
    expect(m['image_to_text_R@5']).toBe(1);
    expect(m['image_to_text_R@10']).toBe(1);
    expect(m['text_to_image_R@1']).toBeCloseTo(1 / 3, 12);
    expect(m['text_to_image_R@5']).toBe(1);
    expect(m.image_to_text_mean_rank).toBeCloseTo(1.5, 12);
    expect(m.image_to_text_median_rank).toBe(1);
    expect(m.text_to_image_mean_rank).toBeCloseTo(5 / 3, 12);
    expect(m.text_to_image_median_rank).toBe(2);
  });

  it('rejects mismatched widths', () => {
    tf.tidy(() => {
      expect(() => retrievalMetrics(tf.zeros([2, 3]), tf.zeros([2, 4]), [0, 1])).toThrow(/retrievalMetrics: expected embeddings/);
    });
  });
});

describe('retrievalChance', () => {
  it('is the expected recall of a random ranking (hand-derived)', () => {
    // 2 images; image 0 has captions 0,1 and image 1 has caption 2 (T = 3 texts).
    const c = retrievalChance(2, [0, 0, 1], [1, 2]);
    // image 0: 1 - (1/3) = 2/3 at k=1; 1 - (1/3)(0/2) = 1 at k=2. image 1: 1/3 at k=1; 1 - (2/3)(1/2) = 2/3 at k=2.
    expect(c['image_to_text_R@1_chance']).toBeCloseTo((2 / 3 + 1 / 3) / 2, 12);
    expect(c['image_to_text_R@2_chance']).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(c['text_to_image_R@1_chance']).toBeCloseTo(1 / 2, 12);
    expect(c['text_to_image_R@2_chance']).toBe(1);
  });
});
