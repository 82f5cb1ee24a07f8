import { createShapesWorld, isSkippedSample, type Dataset, type Sample } from '@vlalign/core';
import { buildDataset } from '../run/build-data.js';
import type { DataSourceConfig } from '../config/schema.js';
import type { VlalignConfig } from '../config/schema.js';

/**
 * Picks the images the report captions: the shapes world's `test` split (scenes never seen in
 * training) when the run trained or evaluated on the shapes world, else the first images of the
 * eval data, else of the training data.
 */
export async function pickTestSamples(config: VlalignConfig, configDir: string, count: number): Promise<Sample[]> {
  const shapes = [config.data.eval, config.data.train].find((s): s is Extract<DataSourceConfig, { shapesWorld: unknown }> => !!s && 'shapesWorld' in s);
  let data: Dataset;
  if (shapes) {
    data = createShapesWorld({ ...shapes.shapesWorld, size: count, split: 'test' }) as Dataset;
  } else {
    data = await buildDataset(config.data.eval ?? config.data.train, configDir);
  }
  const out: Sample[] = [];
  for (let i = 0; i < data.length && out.length < count; i++) {
    const s = await data.get(i);
    if (!isSkippedSample(s) && s.image) out.push(s);
  }
  return out;
}
