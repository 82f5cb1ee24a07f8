import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShapesWorld, initBackend, Module, tf, type BackendInfo, type Dataset, type RgbImage, type Sample } from '@vlalign/core';
import { retrievalHook, zeroShotHook } from './eval-hooks.js';
import { resolveClipOptions } from '../plugin/clip-options.js';
import { clip } from '../plugin/clip-plugin.js';
import type { ResolvedEncoder } from '../encoders/resolve-encoder.js';
import { fakeTokenizer } from '../testing/fake-tokenizer.js';
import { TestContext } from '../testing/plugin-harness.js';
import { tinyDualEncoder, tokenizer as shapesTokenizer } from '../testing/tiny-models.js';

// A hand-checkable "model": an image embeds as its mean RGB (in [-1, 1]); a text as the sum of its
// words' vectors, with red = (1,-1,-1) and green = (-1,1,-1) (unknown words embed as 0).
const tokenizer = fakeTokenizer(['red', 'green']);
const wordVectors = [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, -1, -1], [-1, 1, -1]];
const fakeEncoder: ResolvedEncoder = {
  encodeImage: (images) => tf.tidy(() => tf.mean(images, [1, 2]) as tf.Tensor2D),
  encodeText: (ids) => tf.tidy(() => tf.sum(tf.gather(tf.tensor2d(wordVectors), ids), 1) as tf.Tensor2D),
  imageSize: 4,
  textMaxLength: 8,
  variables: () => [],
};
const resolveFake = () => fakeEncoder;

function solid([r, g, b]: [number, number, number]): RgbImage {
  const data = new Uint8Array(4 * 4 * 3);
  for (let i = 0; i < 16; i++) data.set([r, g, b], i * 3);
  return { width: 4, height: 4, channels: 3, data };
}
const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 255, 0];
const ORANGE: [number, number, number] = [255, 128, 0];

function dataset(samples: Sample[]): Dataset {
  return { length: samples.length, get: (i) => samples[i], source: 'hand-made' };
}

let backend: BackendInfo;
let ctx: TestContext;
beforeAll(async () => {
  backend = await initBackend('cpu');
  ctx = new TestContext(Object.assign(new Module(), { capabilities: ['dual-encoder'] }), tokenizer, backend);
});

describe('eval hooks on a hand-checkable encoder', () => {
  it('retrieval: every caption of every image is a text', async () => {
    // texts: t0 "red" (image 0), t1 "green" (image 0), t2 "green" (image 1). Cosines are 1 or -1/3.
    // image -> text: image 0's best caption t0 ranks 1; image 1's only caption t2 ties with t1
    //   (both 1) and loses the tie by index: rank 2.  R@1 = 1/2, mean rank 1.5, median floor(1.5) = 1.
    // text -> image: t0 -> rank 1, t1 -> image 0 scores -1/3 < 1: rank 2, t2 -> rank 1.
    //   R@1 = 2/3, mean rank 4/3, median 1.
    const evalCtx = ctx.withEvalData(
      dataset([
        { id: 'a', image: solid(RED), captions: ['red', 'green'] },
        { id: 'b', image: solid(GREEN), captions: ['green'] },
      ]),
    );
    const before = tf.memory().numTensors;
    const m = await retrievalHook(resolveClipOptions(), resolveFake).run(evalCtx);
    expect(tf.memory().numTensors).toBe(before);
    expect(m['image_to_text_R@1']).toBeCloseTo(1 / 2, 6);
    expect(m['image_to_text_R@5']).toBe(1);
    expect(m.image_to_text_mean_rank).toBeCloseTo(1.5, 6);
    expect(m.image_to_text_median_rank).toBe(1);
    expect(m['text_to_image_R@1']).toBeCloseTo(2 / 3, 6);
    expect(m['text_to_image_R@10']).toBe(1);
    expect(m.text_to_image_mean_rank).toBeCloseTo(4 / 3, 6);
    expect(m.text_to_image_median_rank).toBe(1);
  });

  it('zeroShot: classes from the labels found, default templates', async () => {
    // Classes (sorted): green, red. Templates add only unknown words, so each class embeds as its word.
    // red image -> red ✓; green image -> green ✓; orange (1, 0.004, -1) -> red (cos 0.82 vs 0.00), label green ✗.
    const evalCtx = ctx.withEvalData(
      dataset([
        { id: 'a', image: solid(RED), label: 'red' },
        { id: 'b', image: solid(GREEN), label: 'green' },
        { id: 'c', image: solid(ORANGE), label: 'green' },
        { id: 'd', image: solid(RED) }, // unlabelled: skipped
      ]),
    );
    const before = tf.memory().numTensors;
    const m = await zeroShotHook(resolveClipOptions(), resolveFake).run(evalCtx);
    expect(tf.memory().numTensors).toBe(before);
    expect(m).toEqual({ zeroshot_top1: expect.closeTo(2 / 3, 6), zeroshot_top1_chance: 0.5, zeroshot_mean_per_class_recall: 0.75, zeroshot_images: 3 });
  });

  it('zeroShot: given class names restrict the images; too few classes are skipped with a log line', async () => {
    const evalCtx = ctx.withEvalData(dataset([{ id: 'a', image: solid(RED), label: 'red' }]));
    expect(await zeroShotHook(resolveClipOptions(), resolveFake).run(evalCtx)).toEqual({});
    expect(ctx.logs.at(-1)).toMatch(/clip\/zeroShot: skipped; hand-made has 1 labelled images over 1 classes/);
    const opts = resolveClipOptions({ zeroShot: { classNames: ['red', 'green'] } });
    const two = ctx.withEvalData(dataset([{ id: 'a', image: solid(RED), label: 'red' }, { id: 'b', image: solid(GREEN), label: 'blue' }]));
    expect(await zeroShotHook(opts, resolveFake).run(two)).toMatchObject({ zeroshot_top1: 1, zeroshot_images: 1 });
  });

  it('retrieval: a sample without captions is named', async () => {
    const evalCtx = ctx.withEvalData(dataset([{ id: 'x', image: solid(RED) }]));
    await expect(retrievalHook(resolveClipOptions(), resolveFake).run(evalCtx)).rejects.toThrow(/sample "x" of hand-made needs "captions"/);
  });
});

describe('eval hooks of the plugin on a tiny DualEncoder', () => {
  let real: TestContext;
  afterAll(() => {
    real.dispose();
    real.model.dispose();
  });

  it('report every metric in range without leaking tensors', async () => {
    real = new TestContext(tinyDualEncoder(), shapesTokenizer, backend);
    const plugin = clip({ retrieval: { batchSize: 5 }, zeroShot: { batchSize: 4 } });
    await plugin.setup!(real);
    const world = createShapesWorld({ seed: 3, size: 12, split: 'val', imageSize: 16, maxObjects: 1 });
    const evalCtx = real.withEvalData(world);
    const before = tf.memory().numTensors;
    const [retrieval, zeroShot] = await Promise.all(plugin.evaluate!.map((h) => h.run(evalCtx)));
    expect(tf.memory().numTensors).toBe(before);
    expect(plugin.evaluate!.map((h) => h.name)).toEqual(['retrieval', 'zeroShot']);
    for (const k of [1, 5, 10]) {
      expect(retrieval[`image_to_text_R@${k}`]).toBeGreaterThanOrEqual(0);
      expect(retrieval[`text_to_image_R@${k}`]).toBeLessThanOrEqual(1);
    }
    expect(retrieval.image_to_text_mean_rank).toBeGreaterThanOrEqual(1);
    expect(zeroShot.zeroshot_images).toBe(12);
    expect(zeroShot.zeroshot_top1).toBeGreaterThanOrEqual(0);
    expect(zeroShot.zeroshot_mean_per_class_recall).toBeLessThanOrEqual(1);
  });
});
