import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend/init-backend.js';
import { createModel } from '../../models/index.js';
import { createShapesWorld, createTextCorpus, shapesTokenizer } from '../../synth/index.js';
import type { Dataset, Sample } from '../../data/types.js';
import { silentLogger } from '../logger.js';
import { Trainer } from '../trainer.js';
import type { TrainerLogRecord } from '../trainer-options.js';
import { captioning } from './captioning.js';
import { languageModeling } from './language-modeling.js';

describe('captioning() + languageModeling() on a tiny VisionLanguageModel', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('trains a few steps on the shapes world, lowers the caption loss, evaluates perplexity, leaks nothing', async () => {
    const tokenizer = shapesTokenizer();
    const model = createModel(
      'vlm',
      {
        vision: { imageSize: 16, patchSize: 8, width: 32, layers: 1, heads: 2, mlpHidden: 64 },
        lm: { vocabSize: tokenizer.vocabSize, maxLength: 48, width: 32, layers: 1, heads: 2, mlpHidden: 64 },
        projectorHidden: 32,
      },
      { seed: 1 },
    );
    const corpus = createTextCorpus({ seed: 1, size: 32 });
    const text: Dataset = { length: corpus.length, get: (i) => ({ id: `c${i}`, text: corpus[i] }) as Sample, source: 'corpus' };
    const logs: TrainerLogRecord[] = [];
    const counts: number[] = [];
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [captioning({ maxLength: 24, index: 'random', maxEvalSamples: 8 }), { plugin: languageModeling({ maxLength: 24, maxEvalSamples: 8 }), weight: 0.5, data: text, evalData: text }],
      data: createShapesWorld({ seed: 1, size: 16, split: 'train', imageSize: 16, maxObjects: 2 }),
      evalData: createShapesWorld({ seed: 1, size: 8, split: 'val', imageSize: 16, maxObjects: 2 }),
      batchSize: 4,
      steps: 8,
      optimizer: { lr: 3e-3, warmupSteps: 1 },
      logEvery: 1,
      logger: silentLogger,
      progress: false,
      onLog: (r) => {
        logs.push(r);
        if (r.split === 'train') counts.push(tf.memory().numTensors);
      },
    });
    const result = await trainer.fit();
    const train = logs.filter((l) => l.split === 'train').map((l) => l.metrics);
    expect(train).toHaveLength(8);
    expect(train[7]['captioning/loss']).toBeLessThan(train[1]['captioning/loss']);
    expect(train[0]['captioning/tokens']).toBeGreaterThan(4);
    expect(result.evalMetrics['captioning/perplexity']).toBeCloseTo(Math.exp(result.evalMetrics['captioning/ce']), 4);
    expect(result.evalMetrics['language-modeling/ce']).toBeGreaterThan(0);
    expect(new Set(counts.slice(1)).size).toBe(1);
    trainer.dispose();
    model.dispose();
  });
});
