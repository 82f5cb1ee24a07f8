import { checkSameLength, checkStrings, metricError } from './checks.js';
import { tokenizeCaption } from './caption-tokenize.js';
import type { CaptionTokenizer } from './caption-inputs.js';

/** Object vocabulary for {@link chair}: canonical object name -> its surface forms. */
export type ChairVocabulary = Readonly<Record<string, readonly string[]>>;

/** Options of {@link chair}. */
export interface ChairOptions {
  /** Tokeniser for captions and synonyms (default {@link tokenizeCaption}). */
  tokenize?: CaptionTokenizer;
}

/** Result of {@link chair}. */
export interface ChairResult {
  /** CHAIR_i: hallucinated mentions / all mentions (0 when nothing is mentioned). */
  chairI: number;
  /** CHAIR_s: captions with at least one hallucinated mention / captions. */
  chairS: number;
  /** Per caption, the canonical objects mentioned but absent from the image, in caption order, with repeats. */
  hallucinated: string[][];
  /** Per caption, every canonical object mentioned, in caption order, with repeats. */
  mentioned: string[][];
  /** Total mentions (the CHAIR_i denominator). */
  mentionCount: number;
  /** Total hallucinated mentions (the CHAIR_i numerator). */
  hallucinationCount: number;
  /**
   * Coverage (AMBER's "Cover"): per caption, the share of the image's objects that the caption names,
   * averaged over captions. Only objects in the vocabulary count (others can never be named), and
   * captions of images without such objects are left out of the mean; 0 when no image has any.
   * Read it next to CHAIR: a model can lower CHAIR simply by naming fewer objects.
   */
  coverage: number;
  /** Total (image, object) pairs named at least once (the micro-averaged coverage numerator). */
  coveredCount: number;
  /** Total (image, object) pairs that could be named (the micro-averaged coverage denominator). */
  objectCount: number;
}

const METRIC = 'chair';

/**
 * CHAIR object-hallucination rates (Rohrbach et al., EMNLP 2018):
 * `CHAIR_i = #hallucinated mentions / #mentions`, `CHAIR_s = #captions with >= 1 hallucination / #captions`.
 *
 * Conventions (matching the original `chair.py` where it applies):
 * - Captions and synonyms are tokenised the same way ({@link tokenizeCaption}); there is no
 *   singularisation, so list plurals as synonyms ("dog": ["dog", "dogs", "puppy", "puppies"]).
 *   The canonical name is always a synonym of itself.
 * - Matching is greedy left to right, longest synonym first, so multi-word synonyms win over
 *   their words ("hot dog" is one `hot dog` mention, not a `dog`) and matched words are consumed.
 * - Mentions count with repetition ("a dog and another dog" = 2 mentions), as in the original.
 * - Ground-truth objects may be canonical names or synonyms (mapped to their canonical name);
 *   names outside the vocabulary are kept as is (they can never be mentioned).
 * - With no mention at all CHAIR_i is 0 (the original divides by zero).
 * - Coverage (not part of the original) counts each present object once, however often it is named.
 *
 * @param captions Generated captions, one per image.
 * @param objectsPerImage Objects present in each image.
 * @param vocabulary Canonical object -> synonyms. A synonym may belong to only one object.
 * @throws on length mismatches, empty inputs, an empty or ambiguous vocabulary.
 */
export function chair(
  captions: readonly string[],
  objectsPerImage: readonly (readonly string[])[],
  vocabulary: ChairVocabulary,
  options: ChairOptions = {},
): ChairResult {
  checkStrings(METRIC, 'captions', captions);
  if (!Array.isArray(objectsPerImage)) metricError(METRIC, 'objectsPerImage must be an array with one string[] per caption');
  checkSameLength(METRIC, 'captions', captions, 'objectsPerImage', objectsPerImage);
  const tokenize = options.tokenize ?? tokenizeCaption;
  const { phrases, longest } = buildPhraseTable(vocabulary, tokenize);
  const canonicalOf = (name: string) => phrases.get(tokenize(name).join(' ')) ?? name;

  const mentioned: string[][] = [];
  const hallucinated: string[][] = [];
  let coverageSum = 0;
  let coveredImages = 0;
  let coveredCount = 0;
  let objectCount = 0;
  captions.forEach((caption, i) => {
    const objects = objectsPerImage[i];
    if (!Array.isArray(objects)) metricError(METRIC, `objectsPerImage[${i}] must be a string[]`);
    const present = new Set(objects.map((o, j) => {
      if (typeof o !== 'string') metricError(METRIC, `objectsPerImage[${i}][${j}] must be a string`);
      return canonicalOf(o);
    }));
    const words = tokenize(caption);
    const found: string[] = [];
    for (let p = 0; p < words.length; ) {
      let length = Math.min(longest, words.length - p);
      for (; length > 0; length--) {
        const hit = phrases.get(words.slice(p, p + length).join(' '));
        if (hit !== undefined) {
          found.push(hit);
          break;
        }
      }
      p += Math.max(length, 1);
    }
    mentioned.push(found);
    hallucinated.push(found.filter((o) => !present.has(o)));
    const named = new Set(found);
    let mentionable = 0;
    let covered = 0;
    for (const o of present) {
      if (!Object.hasOwn(vocabulary, o)) continue;
      mentionable++;
      if (named.has(o)) covered++;
    }
    if (mentionable > 0) {
      coverageSum += covered / mentionable;
      coveredImages++;
      coveredCount += covered;
      objectCount += mentionable;
    }
  });

  const mentionCount = mentioned.reduce((a, m) => a + m.length, 0);
  const hallucinationCount = hallucinated.reduce((a, h) => a + h.length, 0);
  return {
    chairI: mentionCount === 0 ? 0 : hallucinationCount / mentionCount,
    chairS: hallucinated.filter((h) => h.length > 0).length / captions.length,
    hallucinated,
    mentioned,
    mentionCount,
    hallucinationCount,
    coverage: coveredImages === 0 ? 0 : coverageSum / coveredImages,
    coveredCount,
    objectCount,
  };
}

/** Tokenised synonym phrase (words joined by a space) -> canonical object. */
function buildPhraseTable(vocabulary: ChairVocabulary, tokenize: CaptionTokenizer): { phrases: Map<string, string>; longest: number } {
  if (!vocabulary || typeof vocabulary !== 'object' || Array.isArray(vocabulary) || Object.keys(vocabulary).length === 0) {
    metricError(METRIC, 'vocabulary must be a non-empty { canonical: synonyms[] } object');
  }
  const phrases = new Map<string, string>();
  let longest = 0;
  for (const [canonical, synonyms] of Object.entries(vocabulary)) {
    if (!Array.isArray(synonyms)) metricError(METRIC, `vocabulary['${canonical}'] must be a string[] of synonyms`);
    for (const synonym of [canonical, ...synonyms]) {
      if (typeof synonym !== 'string') metricError(METRIC, `vocabulary['${canonical}'] contains a non-string synonym`);
      const words = tokenize(synonym);
      if (words.length === 0) metricError(METRIC, `vocabulary['${canonical}'] has a synonym with no words: '${synonym}'`);
      const key = words.join(' ');
      const owner = phrases.get(key);
      if (owner !== undefined && owner !== canonical) {
        metricError(METRIC, `synonym '${synonym}' belongs to both '${owner}' and '${canonical}'`);
      }
      phrases.set(key, canonical);
      longest = Math.max(longest, words.length);
    }
  }
  return { phrases, longest };
}
