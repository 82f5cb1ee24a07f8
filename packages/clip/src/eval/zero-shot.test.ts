import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { buildZeroShotClassifier, fillTemplate } from './zero-shot-classifier.js';
import { zeroShotMetrics } from './zero-shot-metrics.js';
import { zeroShotLabel } from './zero-shot-label.js';
import { fakeTokenizer } from '../testing/fake-tokenizer.js';
import { expectClose } from '../testing/expect-close.js';

// A text "tower" whose embedding is the sum of fixed word vectors: red=e0, blue=e1, a=+e2, the=-e2.
const tokenizer = fakeTokenizer(['red', 'blue', 'a', 'the']);
const wordVectors = [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, -1]];
const encoder = {
  encodeText: (ids: tf.Tensor2D) => tf.tidy(() => tf.sum(tf.gather(tf.tensor2d(wordVectors), ids), 1) as tf.Tensor2D),
};

describe('zero-shot classification', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('fills templates', () => {
    expect(fillTemplate('a photo of a {}.', 'red circle')).toBe('a photo of a red circle.');
  });

  it('averages normalised template embeddings and renormalises (by hand)', () => {
    // 'a red' -> (1,0,1)/√2 and 'the red' -> (1,0,-1)/√2; their mean (1/√2,0,0) renormalises to e0.
    const before = tf.memory().numTensors;
    const classifier = buildZeroShotClassifier(encoder, ['red', 'blue'], ['a {}', 'the {}'], tokenizer, { batchSize: 3 });
    expect(classifier.shape).toEqual([3, 2]);
    expectClose(classifier.dataSync(), [1, 0, 0, 1, 0, 0], { atol: 1e-6, label: 'classifier' });
    classifier.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weights templates equally whatever their norm (mean of unit vectors, not of raw embeddings)', () => {
    // 'a red a a' -> (1,0,3): unnormalised averaging with 'the red' (1,0,-1) would tilt towards +e2.
    const classifier = buildZeroShotClassifier(encoder, ['red'], ['a {} a a', 'the {}'], tokenizer);
    const u = [1 / Math.sqrt(10) + 1 / Math.sqrt(2), 0, 3 / Math.sqrt(10) - 1 / Math.sqrt(2)];
    const norm = Math.hypot(...u);
    expectClose(classifier.dataSync(), u.map((x) => x / norm), { atol: 1e-6, label: 'classifier' });
    classifier.dispose();
  });

  it('scores top-1 and mean per-class recall (by hand)', () => {
    const classifier = tf.tensor2d([[1, 0], [0, 1], [0, 0]]); // red = e0, blue = e1
    // img0 red -> red (2 > 1) ✓; img1 blue -> blue ✓; img2 blue -> red (1 > 0.5) ✗.
    const images = tf.tensor2d([[2, 1, 0], [1, 3, 0], [1, 0.5, 9]]);
    const m = zeroShotMetrics(images, classifier, [0, 1, 1]);
    expect(m.zeroshot_top1).toBeCloseTo(2 / 3, 12);
    expect(m.zeroshot_mean_per_class_recall).toBeCloseTo((1 + 0.5) / 2, 12);
    expect('zeroshot_top5' in m).toBe(false); // fewer than 5 classes
    tf.dispose([classifier, images]);
  });

  it('rejects templates without a slot', () => {
    expect(() => buildZeroShotClassifier(encoder, ['red'], ['a photo'], tokenizer)).toThrow(/template "a photo" has no "\{\}"/);
  });

  it('labels single-object shapes-world samples by colour and shape', () => {
    expect(zeroShotLabel({ id: '1', objects: [{ shape: 'circle', colour: 'red' }] })).toBe('red circle');
    expect(zeroShotLabel({ id: '2', objects: [{ shape: 'circle', colour: 'red' }, { shape: 'square', colour: 'blue' }] })).toBeUndefined();
    expect(zeroShotLabel({ id: '3', label: 'cat' })).toBe('cat');
  });
});
