export type * from './types.js';
export * from './word-tokenizer.js';

// Images
export { decodeImage, type DecodeImageOptions } from './image-decode.js';
export { ImageDecoder, type ImageDecoderOptions, type ImageErrorMode, type ImageFailure } from './image-decoder.js';
export { isSkippedSample, type SkippedSample } from './skipped-sample.js';
export type { ReaderImageOptions } from './sample-images.js';

// Readers
export { JsonlIndex, type JsonlIndexOptions } from './jsonl-index.js';
export { jsonlManifest, JsonlManifest, type JsonlManifestOptions } from './jsonl-manifest.js';
export { cocoCaptions, CocoCaptions, type CocoCaptionsOptions, type CocoSample } from './coco-captions.js';
export {
  localizedNarratives,
  LocalizedNarratives,
  narrativeWordTargets,
  type LocalizedNarrativesOptions,
  type NarrativeSample,
  type NarrativeUtterance,
  type NarrativeWordTarget,
} from './localized-narratives.js';
export {
  preferencePairs,
  PreferencePairs,
  writePreferencePairs,
  detectPreferenceLayout,
  type PreferenceLayout,
  type PreferencePair,
  type PreferenceSample,
  type PreferencePairsOptions,
  type WritePreferencePairsOptions,
} from './preference-pairs.js';
export { webDataset, WebDataset, type WebDatasetOptions, type WebDatasetSample, type WebDatasetIterateOptions } from './webdataset.js';
export { expandShardPattern, readShard, type ShardRecord } from './webdataset-shards.js';

// Sampling and batching
export { SeededRandom, type SeededRandomState } from './seeded-random.js';
export { shuffledIndices, shardIndices, type ShardOptions } from './sampling.js';
export { BatchStream, type BatchStreamOptions, type BatchStreamState } from './batch-stream.js';

// Tokenizers
export { loadHfTokenizer, SUPPORTED_HF_MODEL_TYPES, type HfTokenizerOptions, type HfTokenizerAdapter } from './hf-tokenizer.js';
