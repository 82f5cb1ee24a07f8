import { CiderDScorer, type CiderDocumentFrequencies, type Dataset } from '@vlalign/core';
import { named } from './named.js';
import { referenceCorpus, sampleReferences } from './references.js';
import type { RewardFunction } from './types.js';

/** Options of {@link ciderReward}. */
export interface CiderRewardOptions {
  /**
   * Where CIDEr-D's document frequencies come from (exactly one of `corpus` / `scorer`):
   * the training references (one `string[]` per image, or a dataset whose samples carry them at
   * `field`), or precomputed frequencies.
   */
  corpus?: readonly (readonly string[])[] | CiderDocumentFrequencies | Dataset;
  /** A ready scorer (shared with other code). */
  scorer?: CiderDScorer;
  /** Sample field with the reference captions. Default `'captions'`. */
  field?: string;
}

/**
 * CIDEr-D of each completion against its sample's reference captions, with document frequencies
 * fixed from the training references (as self-critical.pytorch's `CiderD(df='coco-train-idxs')`),
 * so the reward of a caption does not depend on the rest of the batch. Scale: coco-caption's
 * (papers print it x100). Logged as `rewards/cider_d/*`.
 *
 * @example
 * const train = createShapesWorld({ seed: 1, size: 4000, split: 'train' });
 * rl({ rewards: [{ reward: ciderReward({ corpus: train }), weight: 1 }] });
 */
export function ciderReward(options: CiderRewardOptions): RewardFunction {
  const field = options.field ?? 'captions';
  if (!options.corpus === !options.scorer) throw new Error('ciderReward: give exactly one of "corpus" (training references or document frequencies) or "scorer"');
  let scorer: Promise<CiderDScorer> | undefined = options.scorer ? Promise.resolve(options.scorer) : undefined;
  const build = async (): Promise<CiderDScorer> => {
    const c = options.corpus!;
    if (Array.isArray(c)) return new CiderDScorer(c as readonly (readonly string[])[]);
    if ('counts' in (c as object)) return new CiderDScorer(c as CiderDocumentFrequencies);
    if (typeof (c as Dataset).get === 'function') return new CiderDScorer(await referenceCorpus(c as Dataset, field));
    throw new Error('ciderReward: corpus must be string[][] (references per image), { counts, numDocuments } or a Dataset');
  };
  return named('cider_d', async (samples) => {
    // Built on first use: counting n-grams over a large training set is not free.
    scorer ??= build();
    const s = await scorer;
    return s.score(
      samples.map((x) => x.text),
      samples.map((x) => sampleReferences(x.sample, field, 'ciderReward')),
    ).scores;
  });
}
