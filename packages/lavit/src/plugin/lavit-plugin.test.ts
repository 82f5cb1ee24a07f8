import { beforeAll, describe, expect, it } from 'vitest';
import { Trainer, createModel, createShapesWorld, initBackend, shapesTokenizer, silentLogger, tf } from '@vlalign/core';
import { lavit, lavitPhase } from './lavit-plugin.js';
import { parseLavitOptions } from './lavit-options.js';
import { DynamicVisualTokenizer } from '../tokenizer/dynamic-visual-tokenizer.js';
import { tokenizeImage, tokenizeImages } from '../tokenizer/tokenize-image.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('lavitPhase', () => {
  it('stage 1, stage 2, then the LM', () => {
    const o = parseLavitOptions({ mode: 'both', tokenizerSteps: 10, stage1Steps: 4 });
    expect([0, 3, 4, 9, 10, 19].map((s) => lavitPhase(s, 20, o))).toEqual(['stage1', 'stage1', 'stage2', 'stage2', 'lm', 'lm']);
    expect(lavitPhase(15, 20, parseLavitOptions({}))).toBe('stage2');
    expect(lavitPhase(3, 20, parseLavitOptions({}))).toBe('stage1');
    expect(() => parseLavitOptions({ keepRatio: 2 })).toThrow(/keepRatio/);
    expect(parseLavitOptions({}).keepRatioScope).toBe('image');
    expect(() => parseLavitOptions({ keepRatioScope: 'pixel' })).toThrow(/keepRatioScope/);
    expect(() => parseLavitOptions({ tokenizer: { codePositions: 'grid' } })).toThrow(/codePositions/);
  });
});

describe('lavit() in the core Trainer', () => {
  it('trains stage 1 -> stage 2 -> unified LM on a frozen ViT with flat tensor counts and eval metrics', async () => {
    const tokenizer = shapesTokenizer();
    const model = createModel(
      'vlm',
      {
        vision: { imageSize: 16, patchSize: 4, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
        lm: { vocabSize: tokenizer.vocabSize, maxLength: 32, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
        projectorHidden: 16,
      },
      { seed: 1 },
    );
    const visionBefore = model.vision.parameters().map((v) => Array.from(v.dataSync()));
    const visual = new DynamicVisualTokenizer({ featureDim: 16, numPatches: 16, codeDim: 8, codebookSize: 16, mergerLayers: 1, decoderLayers: 1, heads: 2, seed: 2, centerFeatures: true });
    const counts: Record<number, number[]> = {};
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [
        lavit({
          mode: 'both',
          tokenizerSteps: 6,
          stage1Steps: 3,
          kmeansInitBatches: 2,
          featureMeanSamples: 8,
          calibrationBatches: 2,
          thresholdMaskShare: 0.5,
          visualTokenizer: visual,
          unifiedLm: { width: 16, layers: 1, heads: 2, mlpHidden: 32, maxLength: 48 },
          eval: { maxSamples: 6, batchSize: 3, captionMaxTokens: 4 },
        }),
      ],
      data: createShapesWorld({ seed: 1, size: 24, split: 'train', imageSize: 16, maxObjects: 3 }),
      evalData: createShapesWorld({ seed: 1, size: 6, split: 'val', imageSize: 16, maxObjects: 3 }),
      batchSize: 4,
      steps: 9,
      optimizer: { lr: 3e-3, schedule: 'constant' },
      logEvery: 1,
      logger: silentLogger,
      progress: false,
      onLog: (r) => {
        if (r.split !== 'train') return;
        (counts[r.metrics['lavit/stage']] ??= []).push(tf.memory().numTensors);
      },
    });
    const result = await trainer.fit();
    expect(Object.keys(counts).sort()).toEqual(['1', '2', '3']);
    for (const stage of [1, 2, 3]) expect(new Set(counts[stage].slice(1)).size, `stage ${stage}: ${counts[stage]}`).toBe(1);
    expect(visual.codebook.initialized).toBe(true);
    // mu from the first two batches (8 images), then frozen; the threshold calibrated in stage 2.
    expect(visual.featureMean!.images).toBe(8);
    expect(visual.selector.threshold).not.toBe(0.5);
    expect(result.evalMetrics['lavit/keep_threshold']).toBeCloseTo(visual.selector.threshold, 6);
    const m = result.evalMetrics;
    // (tokens_objects_spearman is left out when every image keeps the same count, as here after 9 steps.)
    for (const k of ['tokens_per_image', 'codebook_usage', 'codebook_perplexity', 'recon_cosine', 'cider_d']) {
      expect(Number.isFinite(m[`lavit/${k}`]), k).toBe(true);
    }
    expect(m['lavit/codebook_usage']).toBeGreaterThan(0);
    expect(m['lavit/codebook_usage']).toBeLessThanOrEqual(1);
    // The frozen vision tower did not move.
    model.vision.parameters().forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(visionBefore[i]));
    const sample = await createShapesWorld({ seed: 2, size: 1, split: 'test', imageSize: 16 }).get(0);
    const ids = tokenizeImage(visual, sample.image);
    for (const id of ids) expect(id >= 0 && id < 16).toBe(true);
    trainer.dispose?.();
    model.dispose();
  });
});

describe("lavit({ keepRatioScope: 'batch', thresholdMaskShare: 1, freezeSelectorInStage2: true }) with codePositions: 'patch'", () => {
  it('trains with flat tensor counts; the tokenizer places codes by patch and decodes its own tokens', async () => {
    const tokenizer = shapesTokenizer();
    const model = createModel(
      'vlm',
      {
        vision: { imageSize: 16, patchSize: 4, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
        lm: { vocabSize: tokenizer.vocabSize, maxLength: 32, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
        projectorHidden: 16,
      },
      { seed: 1 },
    );
    // The plugin passes tokenizer options through to the tokenizer it builds.
    expect(parseLavitOptions({ tokenizer: { codePositions: 'patch' } }).tokenizer.codePositions).toBe('patch');
    const tok = new DynamicVisualTokenizer({ featureDim: 16, numPatches: 16, codeDim: 8, codebookSize: 16, mergerLayers: 1, decoderLayers: 1, heads: 2, seed: 2, centerFeatures: true, codePositions: 'patch' });
    const counts: number[] = [];
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [
        lavit({
          mode: 'tokenizer',
          stage1Steps: 3,
          kmeansInitBatches: 2,
          calibrationBatches: 2,
          // The measured configuration: stage 2 on the frozen selector's inference masks.
          thresholdMaskShare: 1,
          freezeSelectorInStage2: true,
          keepRatioScope: 'batch',
          featureMeanSamples: 8,
          visualTokenizer: tok,
          eval: { maxSamples: 6, batchSize: 3, captionMaxTokens: 4 },
        }),
      ],
      data: createShapesWorld({ seed: 1, size: 24, split: 'train', imageSize: 16, maxObjects: 3 }),
      evalData: createShapesWorld({ seed: 1, size: 6, split: 'val', imageSize: 16, maxObjects: 3 }),
      batchSize: 4,
      steps: 7,
      optimizer: { lr: 3e-3, schedule: 'constant' },
      logEvery: 1,
      logger: silentLogger,
      progress: false,
      onLog: (r) => {
        if (r.split === 'train' && r.metrics['lavit/stage'] === 2) counts.push(tf.memory().numTensors);
      },
    });
    const result = await trainer.fit();
    expect(counts.length).toBeGreaterThan(2);
    expect(new Set(counts.slice(1)).size, `${counts}`).toBe(1);
    expect(Number.isFinite(result.evalMetrics['lavit/recon_cosine'])).toBe(true);
    expect(tok.decoder.positions).toBe('patch');
    expect(tok.selector.trainableParameters()).toHaveLength(0);
    const sample = await createShapesWorld({ seed: 2, size: 1, split: 'test', imageSize: 16 }).get(0);
    const [t] = tokenizeImages(tok, [sample.image]);
    const before = tf.memory().numTensors;
    const features = tok.decodeIds(t.ids, t.patches);
    expect(features.shape).toEqual([16, 16]);
    features.dispose();
    expect(() => tok.decodeIds(t.ids)).toThrow(/patch/);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose?.();
    model.dispose();
  });
});
