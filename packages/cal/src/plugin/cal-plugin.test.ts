import { beforeAll, describe, expect, it } from 'vitest';
import {
  captioning,
  createModel,
  createShapesWorld,
  disposeTensorsIn,
  initBackend,
  shapesTokenizer,
  silentLogger,
  tf,
  Trainer,
  type PluginContext,
  type Sample,
  type TrainerLogRecord,
} from '@vlalign/core';
import { calTokenWeights } from '../token-weights.js';
import { cal } from './cal-plugin.js';

const tokenizer = shapesTokenizer();
const tinyVlm = (seed = 1) =>
  createModel(
    'vlm',
    {
      vision: { imageSize: 16, patchSize: 8, width: 32, layers: 1, heads: 2, mlpHidden: 64 },
      lm: { vocabSize: tokenizer.vocabSize, maxLength: 64, width: 32, layers: 1, heads: 2, mlpHidden: 64 },
      projectorHidden: 32,
    },
    { seed },
  );
const world = (split: 'train' | 'val', size: number) => createShapesWorld({ seed: 1, size, split, imageSize: 16, maxObjects: 2 });

describe.each(['wasm', 'cpu'] as const)('cal() plugin (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('weights are 0 on padding and in [min, max] on caption tokens; loss equals the weighted CE recomputed in JS', async () => {
    const model = tinyVlm();
    const samples = Array.from({ length: 4 }, (_, i) => world('train', 4).get(i)) as Sample[];
    const plugin = cal({ field: 'fillerCaption', min: 1, max: 5, window: 1 });
    const ctx = { model, tokenizer } as unknown as PluginContext;
    const before = tf.memory().numTensors;
    const p = await plugin.prepare!(samples, ctx);
    const labels = p.labels.arraySync();
    expect(labels.flat().filter((l) => l === -100).length).toBeGreaterThan(4); // rows of different lengths: padding
    const withImage = tf.tidy(() => model.forward({ images: p.images, inputIds: p.inputIds, attentionMask: p.attentionMask }).logits);
    const [wi, wo] = [withImage.arraySync(), p.logitsWithoutImage.arraySync()];
    // Independent recomputation (window 1): w = clamp(logit_img[y] - logit_noimg[y], 1, 5); CE from log-sum-exp.
    let num = 0;
    let den = 0;
    let wSum = 0;
    labels.forEach((row, b) =>
      row.forEach((y, t) => {
        if (y === -100) return;
        const w = Math.min(5, Math.max(1, wi[b][t][y] - wo[b][t][y]));
        const lse = Math.log(wi[b][t].reduce((s, v) => s + Math.exp(v), 0));
        num += w * (lse - wi[b][t][y]);
        den += w;
        wSum += w;
      }),
    );
    // The weights themselves (same call the plugin makes): exactly 0 wherever the label is padding.
    const w = calTokenWeights(withImage, p.logitsWithoutImage, p.labels, { window: 1 });
    w.arraySync().forEach((row, b) => row.forEach((v, t) => (labels[b][t] === -100 ? expect(v).toBe(0) : expect(v).toBeGreaterThanOrEqual(1))));
    w.dispose();
    const out = plugin.loss!(samples, ctx, p);
    expect(out.loss.dataSync()[0]).toBeCloseTo(num / (den + 1e-6), 4);
    // weight_mean sums the plugin's weights over ALL positions: it matches only if padding adds 0.
    expect((out.metrics!.weight_mean as tf.Tensor).dataSync()[0]).toBeCloseTo(wSum / p.tokens, 4);
    expect(out.metrics!.tokens).toBe(labels.flat().filter((l) => l !== -100).length);
    for (const k of ['weight_visual', 'weight_filler']) {
      const v = (out.metrics![k] as tf.Tensor).dataSync()[0];
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(5);
    }
    tf.dispose([withImage, out.loss, ...Object.values(out.metrics!).filter((v): v is tf.Tensor => v instanceof tf.Tensor)]);
    disposeTensorsIn(p);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('the image-less logits do not depend on the image', async () => {
    const model = tinyVlm();
    const samples = Array.from({ length: 2 }, (_, i) => world('train', 2).get(i)) as Sample[];
    const swapped = [{ ...samples[0], image: samples[1].image }, { ...samples[1], image: samples[0].image }];
    const plugin = cal({ field: 'fillerCaption' });
    const ctx = { model, tokenizer } as unknown as PluginContext;
    const a = await plugin.prepare!(samples, ctx);
    const b = await plugin.prepare!(swapped, ctx);
    expect(Array.from(b.logitsWithoutImage.dataSync())).toEqual(Array.from(a.logitsWithoutImage.dataSync()));
    disposeTensorsIn([a, b]);
    model.dispose();
  });
});

describe('cal() in the Trainer', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('trains alone: loss falls, metrics logged, tensors flat, eval gives CIDEr-D and visual/filler weights', async () => {
    const model = tinyVlm(2);
    const logs: TrainerLogRecord[] = [];
    const counts: number[] = [];
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [cal({ field: 'fillerCaption', maxLength: 40, eval: { maxSamples: 8, batchSize: 8, maxNewTokens: 12 } })],
      data: world('train', 16),
      evalData: world('val', 8),
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
    expect(train[7]['cal/loss']).toBeLessThan(train[1]['cal/loss']);
    for (const k of ['cal/weight_mean', 'cal/weight_visual', 'cal/weight_filler']) {
      expect(train[7][k], k).toBeGreaterThanOrEqual(1);
      expect(train[7][k], k).toBeLessThanOrEqual(5);
    }
    expect(train[0]['cal/tokens']).toBeGreaterThan(4);
    expect(new Set(counts.slice(1)).size).toBe(1);
    const ev = result.evalMetrics;
    expect(ev['cal/cider_d']).toBeGreaterThanOrEqual(0);
    expect(ev['cal/caption_words']).toBeGreaterThanOrEqual(0);
    for (const k of ['cal/weight_mean', 'cal/weight_visual', 'cal/weight_filler']) expect(ev[k], k).toBeGreaterThanOrEqual(1);
    const n = tf.memory().numTensors;
    await trainer.evaluate();
    expect(tf.memory().numTensors).toBe(n);
    trainer.dispose();
    model.dispose();
  });

  it('mixes with captioning(): both losses logged, total = weighted sum, tensors flat', async () => {
    const model = tinyVlm(3);
    const logs: TrainerLogRecord[] = [];
    const counts: number[] = [];
    const trainer = new Trainer({
      model,
      tokenizer,
      plugins: [{ plugin: cal({ field: 'fillerCaption' }), weight: 0.5 }, captioning({ maxLength: 24 })],
      data: world('train', 16),
      batchSize: 4,
      steps: 5,
      optimizer: { lr: 3e-3, warmupSteps: 1 },
      logEvery: 1,
      logger: silentLogger,
      progress: false,
      onLog: (r) => {
        logs.push(r);
        if (r.split === 'train') counts.push(tf.memory().numTensors);
      },
    });
    await trainer.fit();
    const train = logs.filter((l) => l.split === 'train').map((l) => l.metrics);
    for (const m of train) expect(m.loss).toBeCloseTo(0.5 * m['cal/loss'] + m['captioning/loss'], 4);
    expect(train[4]['cal/loss']).toBeLessThan(train[0]['cal/loss']);
    expect(new Set(counts.slice(1)).size).toBe(1);
    trainer.dispose();
    model.dispose();
  });

  it('refuses bad options and fields with clear errors', async () => {
    expect(() => cal({ min: 3, max: 2 })).toThrow(/min \(3\) must not exceed options.max \(2\)/);
    expect(() => cal({ window: 2 })).toThrow(/window must be odd/);
    expect(() => cal({ feild: 'x' } as never)).toThrow(/unknown option\(s\) feild/);
    const model = tinyVlm();
    const ctx = { model, tokenizer } as unknown as PluginContext;
    await expect(cal({ field: 'nope' }).prepare!([world('train', 1).get(0)] as Sample[], ctx)).rejects.toThrow(/field "nope"/);
    model.dispose();
  });
});
