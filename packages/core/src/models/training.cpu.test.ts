import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { VisionLanguageModel } from './vision-language-model.js';
import { DualEncoder } from './dual-encoder.js';
import { microDual, microVLM } from './testing-configs.js';
import { captionLoss, contrastiveLoss, makeBatch, trainSteps } from './testing-train.js';

// The same checks as training.test.ts on the pure-JS cpu backend (~20x slower: batch 4).
describe('training on cpu', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('a VisionLanguageModel trains 20 steps: loss falls, tensor count flat after warm-up', () => {
    const vlm = new VisionLanguageModel(microVLM, { seed: 1 });
    const { images, ids } = makeBatch(4, 16, 6, 24, 3);
    const trace = trainSteps(vlm.trainableParameters(), captionLoss(vlm, images, ids), 20);
    expect(trace.losses[19]).toBeLessThan(trace.losses[0] * 0.8);
    expect(new Set(trace.tensors.slice(1)).size).toBe(1);
    images.dispose();
    vlm.dispose();
  });

  it('a DualEncoder trains 20 steps: loss falls, tensor count flat after warm-up', () => {
    const de = new DualEncoder(microDual, { seed: 2 });
    const { images, ids, lengths } = makeBatch(4, 16, 6, 24, 4);
    const idsT = tf.tensor2d(ids, [4, 6], 'int32');
    const trace = trainSteps(de.trainableParameters(), contrastiveLoss(de, images, idsT, lengths), 20);
    expect(trace.losses[19]).toBeLessThan(trace.losses[0] * 0.8);
    expect(new Set(trace.tensors.slice(1)).size).toBe(1);
    tf.dispose([images, idsT]);
    de.dispose();
  });
});
