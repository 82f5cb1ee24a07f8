import { tf, type Tokenizer } from '@vlalign/core';
import type { Completion, GenerativeVlm } from './types.js';

/** Options of {@link sampleCompletions}. */
export interface SampleCompletionsOptions {
  /** Completions per image (TRL `num_generations`). Default 1. */
  numGenerations?: number;
  /** Sampling temperature (> 0 samples; 0 is greedy). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0: all). Default 0. */
  topK?: number;
  /** Nucleus sampling threshold (1: off). Default 1. */
  topP?: number;
  /** Most generated tokens per completion, EOS included. */
  maxNewTokens: number;
  /** Seed of the sampling stream; chunk c uses `seed + c`. Default 0. */
  seed?: number;
  /** Rows (images x generations) decoded together. Default: all at once. */
  batchSize?: number;
}

/**
 * Samples `numGenerations` captions per image with the model's KV-cached decoder, returning each
 * token's log-probability under the model (what a teacher-forced forward recomputes). Completions
 * of one image are contiguous: `[img0 c0, img0 c1, ..., img1 c0, ...]` (the layout GRPO's group
 * statistics and the leave-one-out baseline expect). Decoding stops a row at the tokenizer's EOS.
 * Every tensor made here is released before the promise resolves; `images` stays the caller's.
 *
 * @param images `[B, S, S, 3]` images as `imagesToTensor` makes them.
 */
export async function sampleCompletions(model: GenerativeVlm, images: tf.Tensor4D, tokenizer: Tokenizer, options: SampleCompletionsOptions): Promise<Completion[]> {
  const n = options.numGenerations ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new Error(`sampleCompletions: numGenerations must be an integer >= 1; got ${n}`);
  const rows = images.shape[0] * n;
  const batchSize = options.batchSize ?? rows;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`sampleCompletions: batchSize must be an integer >= 1; got ${batchSize}`);
  const out: Completion[] = [];
  for (let start = 0, chunk = 0; start < rows; start += batchSize, chunk++) {
    const owners = Array.from({ length: Math.min(batchSize, rows - start) }, (_, j) => Math.floor((start + j) / n));
    const chunkImages = tf.tidy(() => tf.gather(images, tf.tensor1d(owners, 'int32')) as tf.Tensor4D);
    let result;
    try {
      result = await model.generate(chunkImages, {
        maxNewTokens: options.maxNewTokens,
        temperature: options.temperature ?? 1,
        topK: options.topK ?? 0,
        topP: options.topP ?? 1,
        stopTokens: [tokenizer.eosId],
        seed: (options.seed ?? 0) + chunk,
        returnLogProbs: true,
        bosId: tokenizer.bosId,
        padId: tokenizer.padId,
      });
    } finally {
      chunkImages.dispose();
    }
    result.ids.forEach((ids, j) => {
      out.push({
        imageIndex: owners[j],
        ids,
        logProbs: result.logProbs?.[j] ?? [],
        text: tokenizer.decode(ids),
        finished: ids.at(-1) === tokenizer.eosId,
      });
    });
  }
  return out;
}

/**
 * One greedy (temperature 0) caption per image: SCST's test-time baseline and the eval captions.
 * Same output layout as {@link sampleCompletions} with one generation.
 */
export function greedyCaptions(
  model: GenerativeVlm,
  images: tf.Tensor4D,
  tokenizer: Tokenizer,
  options: { maxNewTokens: number; batchSize?: number },
): Promise<Completion[]> {
  return sampleCompletions(model, images, tokenizer, { ...options, numGenerations: 1, temperature: 0 });
}
