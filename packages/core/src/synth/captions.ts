/**
 * The caption grammar. Every variant names every object; relations link objects in pairs.
 *
 *   v0 (narrated):  "a small red circle left of a large blue square, and a small green star"
 *   v1 (counted):   "there are three shapes: a small red disc, a large blue box and a small green star"
 *   v2 (terse):     "a green star to the left of a red circle, and a blue square"
 */
import type { Rng } from './rng.js';
import type { PlacedObject } from './scene.js';
import type { FillerCaption } from './types.js';
import {
  COUNT_WORDS,
  FILLER_INTERJECTIONS,
  FILLER_PREFIXES,
  FILLER_SUFFIXES,
  RELATIONS,
  RELATIONS_LONG,
  shapeSynonyms,
} from './vocabulary.js';
import { phrase, positionWords, relationOf, relationWords, wordsToText, type Word } from './words.js';

const VISUAL_ROLES = new Set(['size', 'colour', 'shape', 'position', 'relation', 'count']);

/** "a" or "an" before `word` (by spelling: "an orange circle"). */
export function indefiniteArticle(word: string): 'a' | 'an' {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

/** "a small red circle" (article + optional size + optional colour + shape or a synonym). */
export function objectWords(
  o: PlacedObject,
  index: number,
  opts: { size?: boolean; colour?: boolean; synonymChance?: number; article?: string },
  rng?: Rng,
): Word[] {
  const words: Word[] = [];
  if (opts.size !== false) words.push({ text: o.size, role: 'size', obj: index });
  if (opts.colour !== false) words.push({ text: o.colour, role: 'colour', obj: index });
  const syn = shapeSynonyms(o.shape);
  const useSynonym = rng && opts.synonymChance && syn.length > 1 && rng.chance(opts.synonymChance);
  words.push({ text: useSynonym ? rng.pick(syn.slice(1)) : o.shape, role: 'shape', obj: index });
  return [{ text: opts.article ?? indefiniteArticle(words[0].text), role: 'article', obj: index }, ...words];
}

/** Pairs objects in `order` ("X rel Y"), leaving the last alone when odd; joins the clauses. */
function pairedClauses(
  objects: readonly PlacedObject[],
  order: readonly number[],
  describe: (i: number) => Word[],
  long: boolean,
): Word[] {
  const clauses: Word[][] = [];
  for (let k = 0; k < order.length; k += 2) {
    const a = order[k];
    if (k + 1 < order.length) {
      const b = order[k + 1];
      const rel = relationOf(objects[a], objects[b]);
      clauses.push([...describe(a), ...relationWords(rel, a, b, long ? RELATIONS_LONG[rel] : RELATIONS[rel]), ...describe(b)]);
    } else {
      clauses.push(describe(a));
    }
  }
  const out: Word[] = [];
  clauses.forEach((c, i) => {
    if (i > 0) {
      out.push({ text: ',', role: 'punct' });
      if (i === clauses.length - 1) out.push({ text: 'and', role: 'function' });
    }
    out.push(...c);
  });
  return out;
}

/** The narrated caption `captions[0]`: generation order, full descriptions, no synonyms. */
export function narratedCaption(objects: readonly PlacedObject[], imageSize: number): Word[] {
  const describe = (i: number) => objectWords(objects[i], i, {});
  if (objects.length === 1) return [...describe(0), ...positionWords(objects[0], 0, imageSize)];
  return pairedClauses(objects, objects.map((_, i) => i), describe, false);
}

function leftToRight(objects: readonly PlacedObject[]): number[] {
  return objects.map((_, i) => i).sort((a, b) => objects[a].cx - objects[b].cx || objects[a].cy - objects[b].cy);
}

/** "there are three shapes: a ..., a ... and a ..." listing objects left to right. */
export function countedCaption(objects: readonly PlacedObject[], rng: Rng): Word[] {
  const n = objects.length;
  const words: Word[] = n === 1
    ? [...phrase('there is', 'function'), ...phrase('one shape', 'count')]
    : [...phrase('there are', 'function'), ...phrase(`${COUNT_WORDS[n]} shapes`, 'count')];
  words.push({ text: ':', role: 'punct' });
  leftToRight(objects).forEach((i, k) => {
    if (k > 0) words.push(k === n - 1 ? { text: 'and', role: 'function' } : { text: ',', role: 'punct' });
    words.push(...objectWords(objects[i], i, { synonymChance: 0.3 }, rng));
  });
  return words;
}

/** Colour + shape only, long relation spellings, a random pairing order. */
export function terseCaption(objects: readonly PlacedObject[], imageSize: number, rng: Rng): Word[] {
  const describe = (i: number) => objectWords(objects[i], i, { size: false, synonymChance: 0.3 }, rng);
  if (objects.length === 1) return [...describe(0), ...positionWords(objects[0], 0, imageSize)];
  return pairedClauses(objects, rng.shuffle(objects.map((_, i) => i)), describe, true);
}

/**
 * Mixes image-irrelevant filler into a caption: an optional lead-in, interjections at clause
 * boundaries and an optional tail; at least one filler phrase is always inserted.
 */
export function withFiller(base: readonly Word[], rng: Rng): Word[] {
  const filler = (text: string) => phrase(text, 'filler');
  const usePrefix = rng.chance(0.6);
  let useSuffix = rng.chance(0.4);
  const out: Word[] = [];
  let inserted = 0;
  if (usePrefix) {
    const p = rng.pick(FILLER_PREFIXES);
    out.push(...filler(p));
    if (p === 'well') out.push({ text: ',', role: 'filler' });
    inserted++;
  }
  base.forEach((w, i) => {
    out.push(w);
    // After a clause comma: ", i think, and a green star".
    if (w.text === ',' && i + 1 < base.length && rng.chance(0.5)) {
      out.push(...filler(rng.pick(FILLER_INTERJECTIONS)), { text: ',', role: 'filler' });
      inserted++;
    }
  });
  if (inserted === 0) useSuffix = true;
  if (useSuffix) out.push({ text: ',', role: 'filler' }, ...filler(rng.pick(FILLER_SUFFIXES)));
  return out;
}

/** The `fillerCaption` field from annotated words. */
export function toFillerCaption(words: readonly Word[]): FillerCaption {
  return {
    text: wordsToText(words),
    tokens: words.map((w) => w.text),
    isVisual: words.map((w) => VISUAL_ROLES.has(w.role)),
    isFiller: words.map((w) => w.role === 'filler'),
  };
}
