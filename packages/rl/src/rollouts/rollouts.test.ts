import { beforeAll, describe, expect, it } from 'vitest';
import { imagesToTensor, initBackend, shapesTokenizer, tf } from '@vlalign/core';
import { completionBatch, completionLogProbs } from './completion-batch.js';
import { greedyCaptions, sampleCompletions } from './sample-completions.js';
import { tinySamples, tinyVlm } from '../testing/tiny-vlm.js';
import { expectClose } from '../testing/expect-close.js';

describe.each(['wasm', 'cpu'] as const)('rollouts (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('samples n completions per image, grouped, with log-probs a teacher-forced forward reproduces', async () => {
    const tokenizer = shapesTokenizer();
    const model = tinyVlm(1);
    const samples = await tinySamples(3);
    const images = imagesToTensor(samples.map((s) => s.image), 16);
    const before = tf.memory().numTensors;
    const out = await sampleCompletions(model, images, tokenizer, { numGenerations: 4, maxNewTokens: 6, temperature: 1.5, seed: 7, batchSize: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(out.map((c) => c.imageIndex)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    for (const c of out) {
      expect(c.ids.length).toBeGreaterThan(0);
      expect(c.ids.length).toBeLessThanOrEqual(6);
      expect(c.logProbs).toHaveLength(c.ids.length);
      expect(c.finished).toBe(c.ids.at(-1) === tokenizer.eosId);
      // EOS ends a row: it can only be the last token.
      expect(c.ids.slice(0, -1)).not.toContain(tokenizer.eosId);
      expect(c.text).toBe(tokenizer.decode(c.ids));
    }
    // An untrained model at temperature 1.5 does not repeat itself across 12 samples.
    expect(new Set(out.map((c) => c.ids.join(','))).size).toBeGreaterThan(1);

    const batch = completionBatch(out, tokenizer);
    const T = Math.max(...out.map((c) => c.ids.length));
    expect(batch.inputIds.shape).toEqual([12, T]);
    const rowImages = tf.tidy(() => tf.gather(images, tf.tensor1d(out.map((c) => c.imageIndex), 'int32')) as tf.Tensor4D);
    const logps = completionLogProbs(model, rowImages, batch);
    const values = (await logps.array()) as number[][];
    const mask = (await batch.mask.array()) as number[][];
    out.forEach((c, r) => {
      expectClose(values[r].slice(0, c.ids.length), c.logProbs, { atol: 2e-4, rtol: 1e-4, label: `row ${r} log-probs` });
      expect(values[r].slice(c.ids.length).every((v) => v === 0)).toBe(true);
      expect(mask[r]).toEqual(Array.from({ length: T }, (_, t) => (t < c.ids.length ? 1 : 0)));
    });
    tf.dispose([logps, rowImages, batch.inputIds, batch.labels, batch.mask]);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    model.dispose();
  });

  it('the same seed gives the same samples; greedy captions are deterministic', async () => {
    const tokenizer = shapesTokenizer();
    const model = tinyVlm(2);
    const samples = await tinySamples(2);
    const images = imagesToTensor(samples.map((s) => s.image), 16);
    const a = await sampleCompletions(model, images, tokenizer, { numGenerations: 3, maxNewTokens: 5, seed: 11 });
    const b = await sampleCompletions(model, images, tokenizer, { numGenerations: 3, maxNewTokens: 5, seed: 11 });
    expect(a.map((c) => c.ids)).toEqual(b.map((c) => c.ids));
    const g1 = await greedyCaptions(model, images, tokenizer, { maxNewTokens: 5 });
    const g2 = await greedyCaptions(model, images, tokenizer, { maxNewTokens: 5, batchSize: 1 });
    expect(g1.map((c) => c.ids)).toEqual(g2.map((c) => c.ids));
    expect(g1.map((c) => c.imageIndex)).toEqual([0, 1]);
    images.dispose();
    model.dispose();
  });
});

describe('completionBatch', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('aligns inputs and targets: position t predicts token t', () => {
    const b = completionBatch([{ ids: [5, 6, 2] }, { ids: [7] }], { bosId: 1, padId: 0 });
    expect(b.inputIds.arraySync()).toEqual([
      [1, 5, 6],
      [1, 0, 0],
    ]);
    expect(b.labels.arraySync()).toEqual([
      [5, 6, 2],
      [7, -100, -100],
    ]);
    expect(b.mask.arraySync()).toEqual([
      [1, 1, 1],
      [1, 0, 0],
    ]);
    tf.dispose([b.inputIds, b.labels, b.mask]);
    expect(() => completionBatch([{ ids: [] }], { bosId: 1, padId: 0 })).toThrow(/completion 0 has no tokens/);
  });
});
