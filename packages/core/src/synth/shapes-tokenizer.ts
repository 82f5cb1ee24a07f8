import { WordTokenizer, wordTokenize } from '../data/word-tokenizer.js';
import { textCorpusPhrases } from './text-corpus.js';
import {
  COLOURS,
  COUNT_WORDS,
  FILLER_INTERJECTIONS,
  FILLER_PREFIXES,
  FILLER_SUFFIXES,
  RELATIONS_LONG,
  SIZES,
  shapesObjectVocabulary,
} from './vocabulary.js';

/** Every phrase the shapes world can say: captions, filler, questions, referring, answers, corpus. */
function grammarPhrases(): string[] {
  return [
    ...Object.values(shapesObjectVocabulary()).flat(),
    ...COLOURS,
    ...SIZES,
    ...COUNT_WORDS,
    ...Object.values(RELATIONS_LONG).flat(),
    ...FILLER_PREFIXES,
    ...FILLER_INTERJECTIONS,
    ...FILLER_SUFFIXES,
    'a an the and there is are one shape shapes , : ? .',
    'at on in top bottom left right middle leftmost rightmost topmost bottommost',
    'is there a in the image ? yes no',
    ...textCorpusPhrases(),
  ];
}

let cached: WordTokenizer | undefined;

/**
 * The word-level tokenizer covering the whole shapes-world grammar (pad 0, bos 1, eos 2, unk 3,
 * then the words in code-point order, so ids never depend on generation order or seeds).
 */
export function shapesTokenizer(): WordTokenizer {
  if (!cached) {
    const words = new Set<string>();
    for (const p of grammarPhrases()) for (const w of wordTokenize(p)) words.add(w);
    cached = new WordTokenizer([...words].sort());
  }
  return cached;
}
