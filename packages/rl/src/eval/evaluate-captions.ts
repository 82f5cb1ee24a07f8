import { chair, ciderD, imagesToTensor, shapesObjectVocabulary, tokenizeCaption, type ChairVocabulary, type Dataset, type Sample, type Tokenizer } from '@vlalign/core';
import { greedyCaptions } from '../rollouts/sample-completions.js';
import type { Completion, GenerativeVlm } from '../rollouts/types.js';
import { sampleReferences } from '../rewards/references.js';
import type { RewardInput } from '../rewards/types.js';

/** Options of {@link evaluateCaptions}. */
export interface EvaluateCaptionsOptions {
  /** Side of the model's square images. */
  imageSize: number;
  /** Caption at most this many tokens (EOS included). Default 24. */
  maxNewTokens?: number;
  /** Evaluate the first `maxSamples` samples. Default 200. */
  maxSamples?: number;
  /** Images decoded together. Default 50. */
  batchSize?: number;
  /** Reference captions field. Default `'captions'`. */
  field?: string;
  /** Objects-present field for CHAIR; CHAIR is skipped when the samples lack it. Default `'chairObjects'`. */
  objectsField?: string;
  /** CHAIR vocabulary. Default: the shapes world's. */
  vocabulary?: ChairVocabulary;
  /** Optional reward of the greedy captions (reported as `reward`). */
  reward?: (samples: RewardInput[]) => Promise<number[]>;
}

/** What {@link evaluateCaptions} reports. */
export interface CaptionEvalResult {
  /** Corpus CIDEr-D of the greedy captions (document frequencies from the evaluated references, coco-caption's default). */
  cider_d: number;
  /** CHAIR_i and CHAIR_s (when the samples list their objects). */
  chair_i?: number;
  chair_s?: number;
  /** Mean caption length in words (the caption metrics' tokenisation: punctuation is not a word). */
  mean_length: number;
  /** Mean reward of the greedy captions (when a reward was given). */
  reward?: number;
  /** The captions, in sample order. */
  captions: string[];
}

/**
 * Greedy-decodes a caption per image of `dataset` (first `maxSamples`) and scores it: test
 * CIDEr-D against the references, CHAIR_i / CHAIR_s against the objects present, mean length and
 * optionally a reward. All tensors are released.
 */
export async function evaluateCaptions(model: GenerativeVlm, tokenizer: Tokenizer, dataset: Dataset, options: EvaluateCaptionsOptions): Promise<CaptionEvalResult> {
  const count = Math.min(dataset.length, options.maxSamples ?? 200);
  if (count === 0) throw new Error(`evaluateCaptions: ${dataset.source} is empty`);
  const batchSize = options.batchSize ?? 50;
  const field = options.field ?? 'captions';
  const objectsField = options.objectsField ?? 'chairObjects';
  const samples: Sample[] = [];
  const captions: string[] = [];
  const decoded: Completion[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const batch: Sample[] = [];
    for (let i = start; i < Math.min(count, start + batchSize); i++) batch.push(await dataset.get(i));
    const images = imagesToTensor(
      batch.map((s) => {
        if (!s.image) throw new Error(`evaluateCaptions: sample "${s.id}" of ${dataset.source} has no image`);
        return s.image;
      }),
      options.imageSize,
    );
    try {
      const out = await greedyCaptions(model, images, tokenizer, { maxNewTokens: options.maxNewTokens ?? 24 });
      decoded.push(...out);
      captions.push(...out.map((c) => c.text));
    } finally {
      images.dispose();
    }
    samples.push(...batch);
  }
  const refs = samples.map((s) => sampleReferences(s, field, 'evaluateCaptions'));
  const result: CaptionEvalResult = {
    cider_d: ciderD(captions, refs).score,
    mean_length: captions.reduce((a, c) => a + tokenizeCaption(c).length, 0) / captions.length,
    captions,
  };
  if (samples.every((s) => Array.isArray(s[objectsField]))) {
    const c = chair(captions, samples.map((s) => s[objectsField] as string[]), options.vocabulary ?? shapesObjectVocabulary());
    result.chair_i = c.chairI;
    result.chair_s = c.chairS;
  }
  if (options.reward) {
    const r = await options.reward(decoded.map((c, i) => ({ text: c.text, sample: samples[i], ids: c.ids, finished: c.finished })));
    result.reward = r.reduce((a, b) => a + b, 0) / r.length;
  }
  return result;
}

