import { chair, shapesObjectVocabulary, type ChairVocabulary, type Sample } from '@vlalign/core';
import { named } from './named.js';
import type { RewardFunction, RewardInput } from './types.js';

/** Options of {@link objectPrecisionReward} and {@link objectRecallReward}. */
export interface ObjectRewardOptions {
  /** Canonical object -> surface forms (CHAIR's vocabulary). Default: the shapes world's `shapesObjectVocabulary()`. */
  vocabulary?: ChairVocabulary;
  /** Sample field with the objects present (canonical names or synonyms). Default `'chairObjects'`. */
  field?: string;
  /**
   * Precision of a caption that mentions no object. Default 0, so saying nothing is not a way to
   * avoid hallucinating.
   */
  emptyPrecision?: number;
}

function presentObjects(sample: Sample, field: string, who: string): string[] {
  const v = sample[field];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new Error(`${who}: sample "${sample.id}" has no object list at field "${field}" (expected string[], e.g. the shapes world's chairObjects)`);
  }
  return v as string[];
}

function mentions(samples: RewardInput[], options: ObjectRewardOptions, who: string) {
  const field = options.field ?? 'chairObjects';
  const objects = samples.map((s) => presentObjects(s.sample, field, who));
  // chair() does the CHAIR matching (synonyms, longest phrase first); its canonical names are reused.
  const r = chair(samples.map((s) => s.text), objects, options.vocabulary ?? shapesObjectVocabulary());
  return { r, objects };
}

/**
 * Object-mention precision per caption, the per-caption complement of CHAIR_i: the share of
 * object mentions (with repeats, matched as CHAIR matches them) whose object is in the image,
 * `1 - hallucinated_i / mentioned_i`. Logged as `rewards/object_precision/*`.
 */
export function objectPrecisionReward(options: ObjectRewardOptions = {}): RewardFunction {
  const empty = options.emptyPrecision ?? 0;
  return named('object_precision', (samples) => {
    const { r } = mentions(samples, options, 'objectPrecisionReward');
    return r.mentioned.map((m, i) => (m.length === 0 ? empty : 1 - r.hallucinated[i].length / m.length));
  });
}

/**
 * Object-mention recall per caption: the share of the distinct objects in the image that the
 * caption mentions (1 for an image with no object from the vocabulary). Logged as
 * `rewards/object_recall/*`.
 */
export function objectRecallReward(options: ObjectRewardOptions = {}): RewardFunction {
  const vocabulary = options.vocabulary ?? shapesObjectVocabulary();
  return named('object_recall', (samples) => {
    const { r, objects } = mentions(samples, { ...options, vocabulary }, 'objectRecallReward');
    // Ground-truth names may be synonyms: map them through chair() the same way as mentions.
    const canonical = chair(objects.map((o) => o.join(' ')), objects.map(() => []), vocabulary).mentioned;
    return canonical.map((present, i) => {
      const want = new Set(present);
      if (want.size === 0) return 1;
      const said = new Set(r.mentioned[i]);
      let hit = 0;
      for (const o of want) if (said.has(o)) hit++;
      return hit / want.size;
    });
  });
}
