import { z } from 'zod';
import type { Tokenizer } from './types.js';

/** Special token strings, in id order (pad 0, bos 1, eos 2, unk 3). */
export const WORD_TOKENIZER_SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

/** Options for {@link WordTokenizer.fromCorpus}. */
export interface WordTokenizerCorpusOptions {
  /** Keep only words seen at least this many times (default 1). */
  minCount?: number;
  /** Keep at most this many words (most frequent first); specials are not counted. */
  maxVocab?: number;
}

/** Serialised form written by {@link WordTokenizer.toJSON}. */
export interface WordTokenizerJSON {
  type: 'word';
  version: 1;
  /** Vocabulary words in id order starting at id 4 (specials are implicit). */
  vocab: string[];
}

const jsonSchema = z.object({
  type: z.literal('word'),
  version: z.literal(1),
  vocab: z.array(z.string().min(1)),
});

// Words are runs of letters/digits; every other non-space character is its own token, so
// "circle, square?" -> ["circle", ",", "square", "?"].
const TOKEN_RE = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
// Punctuation that attaches to the previous word when decoding (and an opening bracket that
// attaches to the next), so decode(encode(text)) reproduces ordinary written text.
const ATTACH_LEFT = new Set([',', '.', '!', '?', ';', ':', ')', ']', '}', '%']);
const ATTACH_RIGHT = new Set(['(', '[', '{']);

/**
 * Splits text the way {@link WordTokenizer} does: lowercase, then letter/digit runs and single
 * punctuation characters. Exported so data generators can check their own segmentation.
 */
export function wordTokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN_RE) ?? [];
}

/**
 * Joins word tokens into text the way {@link WordTokenizer.decode} does: spaces between words,
 * none before closing punctuation or after an opening bracket. For text written that way,
 * `wordTokenize(joinWordTokens(tokens))` gives `tokens` back.
 */
export function joinWordTokens(tokens: readonly string[]): string {
  let out = '';
  let glueNext = true;
  for (const w of tokens) {
    if (!glueNext && !ATTACH_LEFT.has(w)) out += ' ';
    out += w;
    glueNext = ATTACH_RIGHT.has(w);
  }
  return out;
}

/**
 * A word-level tokenizer: lowercase, punctuation split, one id per word.
 *
 * Ids: pad 0, bos 1, eos 2, unk 3, then the vocabulary in the order given. Words not in the
 * vocabulary encode to `unkId`. `decode` skips pad/bos/eos, writes unk as `<unk>`, and joins
 * words with spaces except before closing punctuation (`,` `.` `?` ...), so text written in the
 * usual way round-trips: `decode(encode(t)) === t.toLowerCase()` for t with single spaces and
 * only known words.
 */
export class WordTokenizer implements Tokenizer {
  readonly padId = 0;
  readonly bosId = 1;
  readonly eosId = 2;
  readonly unkId = 3;
  private readonly idOf = new Map<string, number>();
  private readonly words: string[];

  /**
   * @param vocab words in id order (they get ids 4, 5, ...). Must be unique, non-empty, already
   *   lowercase single tokens, and must not repeat a special token.
   */
  constructor(vocab: readonly string[]) {
    this.words = [...WORD_TOKENIZER_SPECIALS];
    WORD_TOKENIZER_SPECIALS.forEach((s, i) => this.idOf.set(s, i));
    for (const [i, w] of vocab.entries()) {
      const seg = wordTokenize(w);
      if (seg.length !== 1 || seg[0] !== w) {
        throw new Error(`WordTokenizer: vocab[${i}] = ${JSON.stringify(w)} is not a single lowercase token`);
      }
      if (this.idOf.has(w)) {
        throw new Error(`WordTokenizer: vocab[${i}] = ${JSON.stringify(w)} is a duplicate or a special token`);
      }
      this.idOf.set(w, this.words.length);
      this.words.push(w);
    }
  }

  /**
   * Builds a vocabulary from texts: words sorted by count (descending), ties alphabetically, so
   * the same texts always give the same ids whatever their order.
   */
  static fromCorpus(texts: Iterable<string>, options: WordTokenizerCorpusOptions = {}): WordTokenizer {
    const minCount = options.minCount ?? 1;
    if (!Number.isInteger(minCount) || minCount < 1) {
      throw new Error(`WordTokenizer.fromCorpus: minCount must be an integer >= 1, got ${minCount}`);
    }
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const w of wordTokenize(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    const specials = new Set<string>(WORD_TOKENIZER_SPECIALS);
    let vocab = [...counts.entries()]
      .filter(([w, c]) => c >= minCount && !specials.has(w))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([w]) => w);
    if (options.maxVocab !== undefined) vocab = vocab.slice(0, options.maxVocab);
    return new WordTokenizer(vocab);
  }

  /** Restores a tokenizer written by {@link toJSON}; errors name the offending field. */
  static fromJSON(json: unknown): WordTokenizer {
    const parsed = jsonSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || '(root)';
      throw new Error(`WordTokenizer.fromJSON: field "${field}": ${issue?.message ?? 'invalid'} (expected { type: "word", version: 1, vocab: string[] })`);
    }
    return new WordTokenizer(parsed.data.vocab);
  }

  /** Serialisable form; `WordTokenizer.fromJSON(t.toJSON())` gives identical ids. */
  toJSON(): WordTokenizerJSON {
    return { type: 'word', version: 1, vocab: this.words.slice(WORD_TOKENIZER_SPECIALS.length) };
  }

  get vocabSize(): number {
    return this.words.length;
  }

  /** Vocabulary in id order, specials included. */
  get vocabulary(): readonly string[] {
    return this.words;
  }

  tokenize(text: string): string[] {
    return wordTokenize(text);
  }

  encode(text: string): number[] {
    return wordTokenize(text).map((w) => this.idOf.get(w) ?? this.unkId);
  }

  decode(ids: number[]): string {
    const words: string[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.words.length) {
        throw new Error(`WordTokenizer.decode: id ${id} is outside the vocabulary [0, ${this.words.length})`);
      }
      if (id !== this.padId && id !== this.bosId && id !== this.eosId) words.push(this.words[id]);
    }
    return joinWordTokens(words);
  }

  tokenToId(token: string): number | undefined {
    return this.idOf.get(token);
  }

  /** The token string of `id`, or undefined when out of range. */
  idToToken(id: number): string | undefined {
    return this.words[id];
  }
}
