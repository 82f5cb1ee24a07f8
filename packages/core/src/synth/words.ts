/**
 * Captions are built as lists of annotated words (one word-tokenizer token each), so every later
 * step - trace narration, visual/filler flags, word targets - knows what each token is about.
 */
import { joinWordTokens } from '../data/word-tokenizer.js';
import type { PlacedObject } from './scene.js';
import type { WordRole } from './types.js';
import { RELATIONS, type RelationName } from './vocabulary.js';

/** One token of a generated caption. */
export interface Word {
  text: string;
  role: WordRole;
  /** The object the word is about (articles: the object they introduce). */
  obj?: number;
  /** Relations: the second object ("<obj> left of <obj2>"). */
  obj2?: number;
}

/** Joins words the way `WordTokenizer.decode` does, so `wordTokenize(text)` gives them back. */
export function wordsToText(words: readonly Word[]): string {
  return joinWordTokens(words.map((w) => w.text));
}

/** Words of a space-separated phrase, all with the same annotation. */
export function phrase(text: string, role: WordRole, extra: Omit<Word, 'text' | 'role'> = {}): Word[] {
  return text.split(' ').map((t) => ({ text: t, role, ...extra }));
}

/** Where `a` is relative to `b`, by the dominant axis of the centre offset (image y points down). */
export function relationOf(a: PlacedObject, b: PlacedObject): RelationName {
  const dx = a.cx - b.cx;
  const dy = a.cy - b.cy;
  if (Math.abs(dx) >= Math.abs(dy)) return dx < 0 ? 'left' : 'right';
  return dy < 0 ? 'above' : 'below';
}

/** Relation phrase words ("left of") tagged with both objects. */
export function relationWords(rel: RelationName, obj: number, obj2: number, spelling: readonly string[] = RELATIONS[rel]): Word[] {
  return spelling.map((t) => ({ text: t, role: 'relation' as const, obj, obj2 }));
}

/** Thirds of the image a point falls in. */
export function regionOf(o: PlacedObject, imageSize: number): { h: 'left' | 'middle' | 'right'; v: 'top' | 'middle' | 'bottom' } {
  const third = (c: number) => Math.min(2, Math.floor((c / imageSize) * 3));
  return {
    h: (['left', 'middle', 'right'] as const)[third(o.cx)],
    v: (['top', 'middle', 'bottom'] as const)[third(o.cy)],
  };
}

/** "at the top left", "on the right", "in the middle", ... */
export function positionWords(o: PlacedObject, index: number, imageSize: number): Word[] {
  const { h, v } = regionOf(o, imageSize);
  let text: string;
  if (h === 'middle' && v === 'middle') text = 'in the middle';
  else if (v === 'middle') text = `on the ${h}`;
  else if (h === 'middle') text = `at the ${v}`;
  else text = `at the ${v} ${h}`;
  return phrase(text, 'position', { obj: index });
}
