import { VisionLanguageModel, createShapesWorld, shapesTokenizer, type ShapesSample, type VisionLanguageModelConfig } from '@vlalign/core';

/** A very small VLM over the shapes tokenizer (16x16 images, 4 visual tokens) for fast tests. */
export function tinyVlm(seed = 0): VisionLanguageModel {
  const tokenizer = shapesTokenizer();
  const config: VisionLanguageModelConfig = {
    vision: { imageSize: 16, patchSize: 8, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
    lm: { vocabSize: tokenizer.vocabSize, maxLength: 40, width: 16, layers: 1, heads: 2, mlpHidden: 32 },
  };
  return new VisionLanguageModel(config, { seed });
}

/** Shapes-world samples at 16x16. */
export async function tinySamples(size: number, split: 'train' | 'test' = 'train'): Promise<ShapesSample[]> {
  const world = createShapesWorld({ seed: 3, size, split, imageSize: 16, maxObjects: 2 });
  const out: ShapesSample[] = [];
  for (let i = 0; i < size; i++) out.push(await world.get(i));
  return out;
}
