import { createShapesWorld, DualEncoder, shapesTokenizer, VisionLanguageModel, type Sample } from '@vlalign/core';

/** The shapes-world tokenizer (shared by every test here). */
export const tokenizer = shapesTokenizer();

/** A dual encoder small enough for a unit test (16x16 images, width 16, one layer per tower). */
export function tinyDualEncoder(seed = 0): DualEncoder {
  return new DualEncoder(
    {
      vision: { imageSize: 16, patchSize: 8, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
      text: { vocabSize: tokenizer.vocabSize, maxLength: 24, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
      embedDim: 16,
    },
    { seed },
  );
}

/** A VLM of the same scale. */
export function tinyVlm(seed = 0): VisionLanguageModel {
  return new VisionLanguageModel(
    {
      vision: { imageSize: 16, patchSize: 8, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
      lm: { vocabSize: tokenizer.vocabSize, maxLength: 32, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
    },
    { seed },
  );
}

/** `count` shapes-world training samples with 16x16 images. */
export async function shapesSamples(count: number, seed = 1, split: 'train' | 'val' = 'train'): Promise<Sample[]> {
  const world = createShapesWorld({ seed, size: count, split, imageSize: 16, maxObjects: 2 });
  return Promise.all(Array.from({ length: count }, (_, i) => world.get(i)));
}
