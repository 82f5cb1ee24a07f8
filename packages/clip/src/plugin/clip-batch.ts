import { imagesToTensor, tf, type PluginContext, type RgbImage, type Sample } from '@vlalign/core';
import { tokenizeTexts } from '../encoders/tokenize-texts.js';
import type { ResolvedEncoder } from '../encoders/resolve-encoder.js';
import { swappedNegatives, type SwapTable } from '../negatives/swap-negatives.js';

/** The tensors of one contrastive batch (built in `prepare`, outside the gradient tape). */
export interface ClipBatch {
  /** `[B, S, S, 3]` images scaled for the vision tower. */
  images: tf.Tensor4D;
  /** `[B, T]` int32 caption ids, one caption per image. */
  ids: tf.Tensor2D;
  /** Valid tokens per caption. */
  lengths: number[];
  /** `[M, T']` int32 hard-negative captions (no image of the batch matches them), when enabled and M > 0. */
  negativeIds?: tf.Tensor2D;
  /** Valid tokens per negative caption. */
  negativeLengths?: number[];
}

/** How `buildClipBatch` makes hard negatives. */
export interface HardNegativeSpec {
  table: SwapTable;
  perCaption: number;
}

function requireImage(sample: Sample): RgbImage {
  if (!sample.image) throw new Error(`clip: sample "${sample.id}" has no "image"; contrastive training needs an image per sample`);
  return sample.image;
}

function pickCaption(sample: Sample, random: () => number): string {
  const captions = sample.captions;
  if (!Array.isArray(captions) || captions.length === 0 || captions.some((c) => typeof c !== 'string')) {
    throw new Error(`clip: sample "${sample.id}" needs "captions": a non-empty array of strings`);
  }
  // One draw per sample whatever its caption count, so the stream stays aligned across datasets.
  return captions[Math.min(captions.length - 1, Math.floor(random() * captions.length))];
}

/**
 * Images and one randomly chosen caption per sample (drawn with `ctx.random()`, so a seeded run
 * picks the same captions and resumes exactly).
 */
export function buildClipBatch(samples: readonly Sample[], ctx: PluginContext, encoder: ResolvedEncoder, hardNegatives?: HardNegativeSpec): ClipBatch {
  if (samples.length < 2) throw new Error(`clip: a contrastive batch needs at least 2 samples; got ${samples.length}`);
  const captions = samples.map((s) => pickCaption(s, () => ctx.random()));
  const negatives = hardNegatives ? swappedNegatives(captions, hardNegatives.table, hardNegatives.perCaption, () => ctx.random()) : [];
  const images = imagesToTensor(samples.map(requireImage), encoder.imageSize);
  const { ids, lengths } = tokenizeTexts(captions, ctx.tokenizer, encoder.textMaxLength);
  if (negatives.length === 0) return { images, ids, lengths };
  const neg = tokenizeTexts(negatives, ctx.tokenizer, encoder.textMaxLength);
  return { images, ids, lengths, negativeIds: neg.ids, negativeLengths: neg.lengths };
}

/** Rows `[start, end)` of a batch (new tensors, for micro-batching). */
export function sliceClipBatch(batch: ClipBatch, start: number, end: number): ClipBatch {
  return {
    images: tf.slice(batch.images, [start, 0, 0, 0], [end - start, -1, -1, -1]),
    ids: tf.slice(batch.ids, [start, 0], [end - start, -1]),
    lengths: batch.lengths.slice(start, end),
  };
}
