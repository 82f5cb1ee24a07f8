import type { Tokenizer } from '@vlalign/core';

/** A whitespace tokenizer over a fixed word list (pad 0, bos 1, eos 2, unk 3, words from 4). */
export function fakeTokenizer(words: readonly string[]): Tokenizer {
  const specials = ['<pad>', '<bos>', '<eos>', '<unk>'];
  const vocab = [...specials, ...words];
  const index = new Map(vocab.map((w, i) => [w, i]));
  const tokenize = (text: string) => text.toLowerCase().split(/\s+/).filter(Boolean);
  return {
    vocabSize: vocab.length,
    padId: 0,
    bosId: 1,
    eosId: 2,
    unkId: 3,
    tokenize,
    encode: (text) => tokenize(text).map((w) => index.get(w) ?? 3),
    decode: (ids) => ids.filter((i) => i >= 4).map((i) => vocab[i]).join(' '),
    tokenToId: (token) => index.get(token),
  };
}
