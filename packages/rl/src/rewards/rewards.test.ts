import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, shapesTokenizer, tf, type RgbImage, type Sample } from '@vlalign/core';
import { ciderReward } from './cider-reward.js';
import { clipScoreReward, type ClipScoreEncoder } from './clip-score-reward.js';
import { combineRewards } from './combine-rewards.js';
import { lengthPenalty } from './length-penalty.js';
import { objectPrecisionReward, objectRecallReward } from './object-rewards.js';
import { resolveRewardSpecs } from './reward-specs.js';
import type { RewardInput } from './types.js';
import { expectClose } from '../testing/expect-close.js';

const image: RgbImage = { width: 16, height: 16, channels: 3, data: new Uint8Array(16 * 16 * 3) };
const sample = (id: string, extra: Partial<Sample> = {}): Sample => ({ id, image, ...extra });
const inputs = (texts: string[], samples: Sample[]): RewardInput[] => texts.map((text, i) => ({ text, sample: samples[i] }));

describe('rewards on hand-derived cases', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('CIDEr-D with training document frequencies', async () => {
    // Two documents "a b" / "c d": every n-gram has df 1 of D = 2; an exact match has cosine 1 on
    // orders 1 and 2, nothing on 3 and 4, no length penalty: 10 * (1 + 1 + 0 + 0) / 4 = 5.
    const reward = ciderReward({ corpus: [['a b'], ['c d']] });
    expect(reward.name).toBe('cider_d');
    const s0 = sample('0', { captions: ['a b'] });
    const s1 = sample('1', { captions: ['c d'] });
    const r = await reward(inputs(['a b', 'c d', 'c d', ''], [s0, s1, s0, s1]));
    expectClose(r, [5, 5, 0, 0], { atol: 1e-9, label: 'cider' });
    await expect(async () => reward(inputs(['a'], [sample('x')]))).rejects.toThrow(/sample "x" has no reference captions at field "captions"/);
    expect(() => ciderReward({})).toThrow(/exactly one of "corpus"/);
  });

  it('object precision and recall against the objects present (CHAIR matching, plurals)', () => {
    const s = sample('s', { chairObjects: ['circle', 'square'] });
    const texts = ['a red circle and a blue star', 'two circles', 'a thing', 'a circle , a square and a circle'];
    const samples = texts.map(() => s);
    expect(objectPrecisionReward()(inputs(texts, samples))).toEqual([0.5, 1, 0, 1]);
    expect(objectPrecisionReward({ emptyPrecision: 1 })(inputs(['nothing here'], [s]))).toEqual([1]);
    expect(objectRecallReward()(inputs(texts, samples))).toEqual([0.5, 0.5, 0, 1]);
    expect(() => objectPrecisionReward()(inputs(['a circle'], [sample('y')]))).toThrow(/sample "y" has no object list at field "chairObjects"/);
  });

  it('length penalty outside the band, and for unfinished completions', () => {
    const pen = lengthPenalty({ minWords: 2, maxWords: 3, perWord: 0.5, unfinished: 2 });
    const s = sample('s');
    const r = pen([
      { text: 'a b c d e', sample: s },
      { text: 'a', sample: s },
      { text: 'a , b', sample: s, finished: true },
      { text: 'a b', sample: s, finished: false },
    ]);
    expect(r).toEqual([-1, -0.5, -0, -2]);
  });

  it('CLIPScore = 2.5 * max(cos, 0), embeddings normalised', async () => {
    // Image embedding (3, 0); text embedding by token count: 1 word -> (2, 2), 2 words -> (-1, 0), 3 words -> (0, 5).
    const encoder: ClipScoreEncoder = {
      encodeImage: (images) => tf.tile(tf.tensor2d([[3, 0]]), [images.shape[0], 1]) as tf.Tensor2D,
      encodeText: (_ids, lengths) => {
        const table: Record<number, number[]> = { 3: [2, 2], 4: [-1, 0], 5: [0, 5] };
        return tf.tensor2d(lengths.map((l) => table[l]));
      },
    };
    const tokenizer = shapesTokenizer();
    const before = tf.memory().numTensors;
    const reward = clipScoreReward({ model: encoder, tokenizer, imageSize: 16, batchSize: 2 });
    const s = sample('s');
    const r = await reward(inputs(['circle', 'red circle', 'a red circle'], [s, s, s]));
    expectClose(r, [2.5 * Math.SQRT1_2, 0, 0], { atol: 1e-6, label: 'clip-s' });
    const scaled = await clipScoreReward({ model: encoder, tokenizer, imageSize: 16, scale: 1 })(inputs(['circle'], [s]));
    expectClose(scaled, [Math.SQRT1_2], { atol: 1e-6, label: 'scale 1' });
    expect(reward.name).toBe('clip_score');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('combines weighted components and checks them', async () => {
    const a = Object.defineProperty((xs: RewardInput[]) => xs.map((x) => x.text.length), 'name', { value: 'chars' });
    const combined = combineRewards([{ reward: a, weight: 2 }, { reward: async (xs) => xs.map(() => -1), name: 'minus' }]);
    expect(combined.names).toEqual(['chars', 'minus']);
    const s = sample('s');
    const out = await combined(inputs(['ab', 'abcd'], [s, s]));
    expect(out.total).toEqual([3, 7]);
    expect(out.components).toEqual({ chars: [2, 4], minus: [-1, -1] });
    await expect(combineRewards([() => [1]])(inputs(['a', 'b'], [s, s]))).rejects.toThrow(/reward "reward_0" returned 1 values for 2 completions/);
    await expect(combineRewards([() => [NaN]])(inputs(['a'], [s]))).rejects.toThrow(/returned NaN for completion 0/);
    expect(() => combineRewards([])).toThrow(/at least one reward/);
    expect(() => combineRewards([a, a])).toThrow(/two rewards are named "chars"/);
  });

  it('resolves config specs, including a user module', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rl-reward-'));
    writeFileSync(join(dir, 'mine.mjs'), 'export const bonus = (o) => (xs) => xs.map(() => o.value);\n');
    const specs = await resolveRewardSpecs(
      [
        { type: 'cider-d', weight: 1, corpus: [['a b'], ['c d']] },
        { type: 'object-precision', weight: 0.5 },
        { type: 'module', module: './mine.mjs#bonus', options: { value: 3 }, name: 'bonus' },
      ],
      { tokenizer: shapesTokenizer(), baseDir: dir },
    );
    const combined = combineRewards(specs);
    expect(combined.names).toEqual(['cider_d', 'object_precision', 'bonus']);
    const out = await combined(inputs(['a b'], [sample('s', { captions: ['a b'], chairObjects: [] })]));
    expectClose(out.total, [5 + 0 + 3], { atol: 1e-9, label: 'total' });
    await expect(resolveRewardSpecs([{ type: 'cider-d' }], { tokenizer: shapesTokenizer() })).rejects.toThrow(/needs "corpus"/);
    await expect(resolveRewardSpecs([{ type: 'nope' as 'module' }], { tokenizer: shapesTokenizer() })).rejects.toThrow(/is not one of cider-d/);
  });
});
