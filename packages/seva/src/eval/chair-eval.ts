import { chair, shapesObjectVocabulary, type ChairVocabulary, type EvalContext, type EvalHook, type VisionLanguageModel } from '@vlalign/core';
import { greedyAnswers } from '../text/greedy-answers.js';
import { evalBatches, evalImages } from './eval-samples.js';

/** Options of {@link chairEvalHook}. */
export interface ChairEvalOptions {
  /** Object vocabulary (canonical -> synonyms). Default: the shapes world's `shapesObjectVocabulary()`. */
  vocabulary?: ChairVocabulary;
  /** Sample field listing the objects present. Default `'chairObjects'` (the shapes world's). */
  objectsField?: string;
  /** Images captioned. Default 128. */
  maxSamples?: number;
  /** Images per generate call. Default 32. */
  batchSize?: number;
  /** Longest caption in tokens. Default 24. */
  maxNewTokens?: number;
}

/**
 * Eval hook `chair`: greedy captions (the captioning prompt, BOS only) of the first `maxSamples`
 * eval images, scored with core's `chair` against each sample's present objects.
 * Metrics: `chair_i` (hallucinated object mentions / mentions), `chair_s` (captions with a
 * hallucination / captions), `chair_mentions` (object mentions per caption), `chair_coverage` (share of each
 * image's objects its caption names, averaged: CHAIR can fall just because captions name less).
 */
export function chairEvalHook(options: ChairEvalOptions = {}): EvalHook {
  const field = options.objectsField ?? 'chairObjects';
  return {
    name: 'chair',
    async run(ctx: EvalContext) {
      const vocabulary = options.vocabulary ?? shapesObjectVocabulary();
      const captions: string[] = [];
      const objects: string[][] = [];
      for await (const batch of evalBatches(ctx.evalData, options.maxSamples ?? 128, options.batchSize ?? 32)) {
        for (const s of batch) {
          const o = s[field];
          if (!Array.isArray(o)) throw new Error(`seva chair: eval sample "${s.id}" has no "${field}" list of present objects (the shapes world provides it)`);
          objects.push(o as string[]);
        }
        const { texts } = await greedyAnswers(ctx.model as VisionLanguageModel, ctx.tokenizer, evalImages(batch, 'chair'), batch.map(() => ''), { maxNewTokens: options.maxNewTokens ?? 24 });
        captions.push(...texts);
      }
      const r = chair(captions, objects, vocabulary);
      return { chair_i: r.chairI, chair_s: r.chairS, chair_mentions: r.mentionCount / captions.length, chair_coverage: r.coverage };
    },
  };
}
