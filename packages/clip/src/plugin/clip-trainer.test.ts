import { beforeAll, describe, expect, it } from 'vitest';
import { createShapesWorld, initBackend, silentLogger, tf, Trainer } from '@vlalign/core';
import { clip } from './clip-plugin.js';
import { tinyDualEncoder, tokenizer } from '../testing/tiny-models.js';

describe('clip with the core Trainer', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('fits with feature-cache accumulation and evaluates through the hooks', async () => {
    const model = tinyDualEncoder();
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [clip({ accumulate: 2, retrieval: { batchSize: 8 } })],
      data: createShapesWorld({ seed: 1, size: 32, split: 'train', imageSize: 16, maxObjects: 2 }),
      evalData: createShapesWorld({ seed: 1, size: 8, split: 'val', imageSize: 16, maxObjects: 1 }),
      batchSize: 8,
      steps: 3,
      optimizer: { lr: 3e-4 },
      logger: silentLogger,
      progress: false,
      handleSigint: false,
    });
    const result = await trainer.fit();
    expect(result.step).toBe(3);
    expect(result.metrics['clip/loss']).toBeGreaterThan(0);
    expect(result.metrics['clip/logit_scale']).toBeCloseTo(1 / 0.07, 1);
    const before = tf.memory().numTensors;
    const evalMetrics = await trainer.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(evalMetrics)).toEqual(expect.arrayContaining(['clip/image_to_text_R@1', 'clip/text_to_image_median_rank', 'clip/zeroshot_top1']));
    model.dispose();
  });
});
