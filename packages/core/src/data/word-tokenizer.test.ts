import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { WordTokenizer, wordTokenize } from './word-tokenizer.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('wordTokenize', () => {
  it('lowercases and splits punctuation', () => {
    expect(wordTokenize('There are TWO shapes: a red circle, a box?')).toEqual([
      'there', 'are', 'two', 'shapes', ':', 'a', 'red', 'circle', ',', 'a', 'box', '?',
    ]);
    expect(wordTokenize('   ')).toEqual([]);
  });
});

describe('WordTokenizer', () => {
  it('reserves pad 0, bos 1, eos 2, unk 3 and numbers the vocabulary after them', () => {
    const t = new WordTokenizer(['red', 'circle']);
    expect([t.padId, t.bosId, t.eosId, t.unkId]).toEqual([0, 1, 2, 3]);
    expect(t.vocabSize).toBe(6);
    expect(t.tokenToId('red')).toBe(4);
    expect(t.tokenToId('circle')).toBe(5);
    expect(t.tokenToId('blue')).toBeUndefined();
    expect(t.encode('Red CIRCLE blue')).toEqual([4, 5, 3]);
  });

  it('builds a deterministic vocabulary from a corpus (count desc, then alphabetical)', () => {
    const texts = ['b a c', 'a b', 'a', 'z'];
    const t = WordTokenizer.fromCorpus(texts);
    expect(t.vocabulary.slice(4)).toEqual(['a', 'b', 'c', 'z']);
    const reversed = WordTokenizer.fromCorpus([...texts].reverse());
    expect(reversed.toJSON()).toEqual(t.toJSON());
    expect(WordTokenizer.fromCorpus(texts, { minCount: 2 }).vocabulary.slice(4)).toEqual(['a', 'b']);
    expect(WordTokenizer.fromCorpus(texts, { maxVocab: 1 }).vocabulary.slice(4)).toEqual(['a']);
    expect(() => WordTokenizer.fromCorpus(texts, { minCount: 0 })).toThrow(/minCount/);
  });

  it('round-trips written text through encode/decode and skips pad/bos/eos', () => {
    const text = 'there are two shapes: a small red circle left of a blue square, i think.';
    const t = WordTokenizer.fromCorpus([text, 'is there a star in the image?']);
    expect(t.decode(t.encode(text))).toBe(text);
    expect(t.decode([t.bosId, ...t.encode('is there a star in the image?'), t.eosId, t.padId])).toBe(
      'is there a star in the image?',
    );
    expect(t.decode([t.unkId])).toBe('<unk>');
    expect(t.tokenize(text)).toHaveLength(t.encode(text).length);
    expect(() => t.decode([999])).toThrow(/outside the vocabulary/);
  });

  it('round-trips through JSON with identical ids', () => {
    const t = WordTokenizer.fromCorpus(['a red circle above a blue square']);
    const back = WordTokenizer.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    expect(back.vocabulary).toEqual(t.vocabulary);
    expect(back.encode('a blue circle')).toEqual(t.encode('a blue circle'));
  });

  it('rejects bad vocabularies and JSON with errors naming the field', () => {
    expect(() => new WordTokenizer(['red', 'red'])).toThrow(/vocab\[1\].*duplicate/);
    expect(() => new WordTokenizer(['Red'])).toThrow(/vocab\[0\].*single lowercase token/);
    expect(() => new WordTokenizer(['two words'])).toThrow(/vocab\[0\]/);
    expect(() => WordTokenizer.fromJSON({ type: 'bpe', version: 1, vocab: [] })).toThrow(/field "type"/);
    expect(() => WordTokenizer.fromJSON({ type: 'word', version: 1, vocab: [1] })).toThrow(/field "vocab.0"/);
  });
});
