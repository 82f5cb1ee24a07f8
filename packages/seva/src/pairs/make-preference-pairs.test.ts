import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, createShapesWorld, initBackend, preferencePairs, shapesTokenizer, tf, type RgbImage, type Sample, type VisionLanguageModel } from '@vlalign/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePreferencePairs } from './make-preference-pairs.js';

const tok = shapesTokenizer();
const id = (w: string) => tok.tokenToId(w)!;

/**
 * A stand-in VLM whose greedy answer depends only on whether the image's left edge is brighter,
 * darker or as bright as its right edge. Flipping changes the answer of lopsided images and leaves
 * symmetric ones (uniform colour) unchanged, so which pairs must be dropped is known in advance.
 */
function edgeModel(): VisionLanguageModel {
  return {
    config: { vision: { imageSize: 4 } },
    async generate(images: tf.Tensor4D, opts: { prompt: number[][]; maxNewTokens: number }) {
      const x = images.arraySync();
      expect(opts.prompt.every((p) => p[0] === tok.bosId)).toBe(true);
      return {
        ids: x.map((img) => {
          const d = img[0][0][0] - img[0][3][0];
          const answer = d > 0 ? [id('red'), id('circle'), tok.eosId] : d < 0 ? [id('blue'), id('square'), tok.eosId] : [id('a'), id('heart'), tok.eosId];
          return answer.slice(0, opts.maxNewTokens);
        }),
      };
    },
  } as unknown as VisionLanguageModel;
}

/** 4x4 images: even indices are uniform (symmetric), odd ones bright on the left. */
function samples(n: number): Sample[] {
  return Array.from({ length: n }, (_, i) => {
    const data = new Uint8Array(4 * 4 * 3).fill(40 + i);
    if (i % 2 === 1) for (let y = 0; y < 4; y++) data.fill(250, y * 12, y * 12 + 3);
    const image: RgbImage = { width: 4, height: 4, channels: 3, data };
    return { id: `img-${i}`, image };
  });
}

let dir: string;

describe('makePreferencePairs', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'seva-pairs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drops identical answers, writes TRL JSONL + PNGs that core reads back pixel for pixel', async () => {
    const out = join(dir, 'a', 'pairs.jsonl');
    const logs: string[] = [];
    const r = await makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: samples(6), out, augmentation: 'flip', batchSize: 4, log: (m) => logs.push(m) });
    expect(r).toMatchObject({ kept: 3, dropped: 3, droppedEmpty: 0, processed: 6, resumedFrom: 0 });
    expect(logs.at(-1)).toMatch(/6\/6 samples, 3 pairs kept, 3 dropped as identical/);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ id: 'img-1', prompt: '', chosen: 'red circle', rejected: 'blue square', images: ['images/img-1.png'] });
    const ds = await preferencePairs(out);
    expect(ds.length).toBe(3);
    const s = await ds.get(1);
    expect(s).toMatchObject({ id: 'img-3', prompt: '', chosen: 'red circle', rejected: 'blue square' });
    expect(Array.from(s.image!.data)).toEqual(Array.from(samples(6)[3].image!.data));
  });

  it('resumes after the saved chunks and ends with the same file as one uninterrupted run', async () => {
    const straight = join(dir, 'straight', 'pairs.jsonl');
    await makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: samples(10), out: straight, augmentation: 'flip', batchSize: 3 });
    const out = join(dir, 'resumed', 'pairs.jsonl');
    const first = await makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: samples(10), out, augmentation: 'flip', batchSize: 3, limit: 6 });
    expect(first).toMatchObject({ processed: 6, kept: 3, resumedFrom: 0 });
    // A crash after the JSONL was replaced but before the state was saved leaves extra lines: they are redone.
    writeFileSync(out, `${readFileSync(out, 'utf8')}${JSON.stringify({ id: 'torn', prompt: '', chosen: 'x', rejected: 'y' })}\n`);
    const second = await makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: samples(10), out, augmentation: 'flip', batchSize: 3 });
    expect(second).toMatchObject({ processed: 10, kept: 5, dropped: 5, resumedFrom: 6 });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(straight, 'utf8'));
    await expect(makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: samples(10), out, augmentation: 'crop' })).rejects.toThrow(/other settings \(augmentation: "flip" then, "crop" now\)/);
    const fresh = await makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: samples(4), out, augmentation: 'flip', resume: false });
    expect(fresh).toMatchObject({ processed: 4, kept: 2, resumedFrom: 0 });
  });

  it("'mixed' asks the caption prompt and questionsPerImage of the sample's questions per image", async () => {
    const qs = ['is there a red circle in the image?', 'is there a blue square in the image?', 'is there a heart in the image?'];
    const withQuestions = samples(4).map((s) => ({ ...s, questions: qs.map((question, k) => ({ question, answer: k === 0 ? 'yes' : 'no' })) }));
    const out = join(dir, 'mixed', 'pairs.jsonl');
    const r = await makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: withQuestions, out, augmentation: 'flip', prompt: 'mixed', questionsPerImage: 2, batchSize: 3 });
    // 3 rows per image; the edge model's answer flips only on the lopsided (odd) images.
    expect(r).toMatchObject({ kept: 6, dropped: 6, droppedEmpty: 0, processed: 4 });
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['img-1', 'img-1-q0', 'img-1-q1', 'img-3', 'img-3-q0', 'img-3-q1']);
    expect(lines[0].prompt).toBe('');
    for (const l of lines.filter((x) => x.id.includes('-q'))) expect(qs).toContain(l.prompt);
    // Two different questions per image, all rows of an image referencing its one PNG.
    expect(lines[1].prompt).not.toBe(lines[2].prompt);
    expect(new Set(lines.slice(0, 3).map((l) => l.images[0])).size).toBe(1);
    // The question rows are the same questions (and order) 'questions' would pick.
    const q = await makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: withQuestions, out: join(dir, 'questions', 'pairs.jsonl'), augmentation: 'flip', prompt: 'questions', questionsPerImage: 2 });
    expect(q.kept).toBe(4);
    const qLines = readFileSync(q.out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(qLines.map((l) => l.prompt)).toEqual(lines.filter((l) => l.id.includes('-q')).map((l) => l.prompt));
    await expect(makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: samples(2), out: join(dir, 'mixed-none', 'pairs.jsonl'), prompt: 'mixed' })).rejects.toThrow(/prompt 'mixed' needs sample.questions/);
    // questionMaxNewTokens cuts only the question rows' answers (here to their first token).
    const short = await makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: withQuestions, out: join(dir, 'mixed-short', 'pairs.jsonl'), augmentation: 'flip', prompt: 'mixed', questionsPerImage: 2, questionMaxNewTokens: 1 });
    expect(short.kept).toBe(6);
    const shortLines = readFileSync(short.out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(shortLines.slice(0, 3).map((l) => [l.chosen, l.rejected])).toEqual([['red circle', 'blue square'], ['red', 'blue'], ['red', 'blue']]);
    await expect(makePreferencePairs({ model: edgeModel(), tokenizer: tok, samples: withQuestions, out: short.out, augmentation: 'flip', prompt: 'mixed', questionsPerImage: 2 })).rejects.toThrow(/questionMaxNewTokens: 1 then, 24 now/);
  });

  it('questionT noises the question rows at their own diffusion step', async () => {
    // Answers "red" when the image is noisy (pixel sd > 0.3), "blue" when clean: the noise sd at t = 100 is
    // far below that, at t = 800 far above, so only rows noised at 800 flip.
    const noiseModel = {
      config: { vision: { imageSize: 4 } },
      async generate(images: tf.Tensor4D) {
        const sd = tf.tidy(() => tf.sqrt(tf.moments(tf.reshape(images, [images.shape[0], -1]), 1).variance).arraySync() as number[]);
        return { ids: sd.map((v) => [v > 0.3 ? id('red') : id('blue'), tok.eosId]) };
      },
    } as unknown as VisionLanguageModel;
    const withQuestions = samples(4).filter((_, i) => i % 2 === 0).map((s) => ({ ...s, questions: [{ question: 'is there a red circle in the image?', answer: 'no' }] }));
    const r = await makePreferencePairs({ model: noiseModel, tokenizer: tok, samples: withQuestions, out: join(dir, 'question-t', 'pairs.jsonl'), prompt: 'mixed', t: 100, questionT: 800 });
    expect(r).toMatchObject({ kept: 2, dropped: 2 });
    const lines = readFileSync(r.out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.chosen, l.rejected])).toEqual([['img-0-q0', 'blue', 'red'], ['img-2-q0', 'blue', 'red']]);
    // Without questionT both kinds use t = 100 and nothing flips.
    const same = await makePreferencePairs({ model: noiseModel, tokenizer: tok, samples: withQuestions, out: join(dir, 'question-t-same', 'pairs.jsonl'), prompt: 'mixed', t: 100 });
    expect(same).toMatchObject({ kept: 0, dropped: 4 });
  });

  it('runs a real tiny VLM with diffusion noise and question prompts', async () => {
    const model = createModel(
      'vlm',
      { vision: { imageSize: 16, patchSize: 8, width: 16, layers: 1, heads: 2, mlpHidden: 32 }, lm: { vocabSize: tok.vocabSize, maxLength: 40, width: 16, layers: 1, heads: 2, mlpHidden: 32 } },
      { seed: 4 },
    ) as VisionLanguageModel;
    const before = tf.memory().numTensors;
    const out = join(dir, 'real', 'pairs.jsonl');
    const r = await makePreferencePairs({
      model,
      tokenizer: tok,
      dataset: createShapesWorld({ seed: 2, size: 3, split: 'train', imageSize: 16, maxObjects: 2 }),
      out,
      prompt: 'questions',
      questionsPerImage: 2,
      t: 999,
      maxNewTokens: 4,
      seed: 7,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.processed).toBe(3);
    expect(r.kept + r.dropped + r.droppedEmpty).toBe(6);
    const lines = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    for (const l of lines) {
      expect(l.prompt).toMatch(/^is there an? .* in the image \?$|^is there an? .* in the image\?$/);
      expect(l.chosen).not.toBe(l.rejected);
    }
    const mixed = await makePreferencePairs({
      model,
      tokenizer: tok,
      dataset: createShapesWorld({ seed: 2, size: 3, split: 'train', imageSize: 16, maxObjects: 2 }),
      out: join(dir, 'real-mixed', 'pairs.jsonl'),
      prompt: 'mixed',
      t: 999,
      maxNewTokens: 4,
      seed: 7,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(mixed.kept + mixed.dropped + mixed.droppedEmpty).toBe(6);
    model.dispose();
  });
});
