import { dirname, resolve } from 'node:path';
import { cocoCaptions, createShapesWorld, preferencePairs, createTextCorpus, jsonlManifest, type Dataset } from '@vlalign/core';
import type { DataSourceConfig } from '../config/schema.js';

/** Builds a dataset from a config data source; relative paths resolve against the config's folder. */
export async function buildDataset(source: DataSourceConfig, configDir: string): Promise<Dataset> {
  if ('shapesWorld' in source) return createShapesWorld(source.shapesWorld) as Dataset;
  if ('textCorpus' in source) {
    const texts = createTextCorpus(source.textCorpus);
    return {
      length: texts.length,
      source: `text-corpus(seed=${source.textCorpus.seed},size=${source.textCorpus.size})`,
      get: (i: number) => ({ id: `text-${i}`, text: texts[i] }),
    };
  }
  if ('preferencePairs' in source) {
    const path = resolve(configDir, source.preferencePairs);
    return (await preferencePairs(path, {
      imageRoot: source.imageRoot ? resolve(configDir, source.imageRoot) : dirname(path),
      imageSize: source.imageSize,
      layout: source.layout,
    })) as Dataset;
  }
  if ('jsonl' in source) {
    const path = resolve(configDir, source.jsonl);
    return await jsonlManifest(path, {
      imageRoot: source.imageRoot ? resolve(configDir, source.imageRoot) : dirname(path),
      imageSize: source.imageSize,
      onError: source.onError,
    });
  }
  return await cocoCaptions(resolve(configDir, source.coco), resolve(configDir, source.imageRoot), { imageSize: source.imageSize });
}
