import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import type { Tokenizer } from '../data/types.js';
import { captionBatch, IGNORE_INDEX } from './caption-batch.js';

/** pad 0, bos 1, eos 2, unk 3, then one id per distinct word in order of first sight. */
export function toyTokenizer(words: string[]): Tokenizer {
  const vocab = ['<pad>', '<bos>', '<eos>', '<unk>', ...words];
  const index = new Map(vocab.map((w, i) => [w, i]));
  return {
    vocabSize: vocab.length, padId: 0, bosId: 1, eosId: 2, unkId: 3,
    tokenize: (t) => t.split(/\s+/).filter(Boolean),
    encode: (t) => t.split(/\s+/).filter(Boolean).map((w) => index.get(w) ?? 3),
    decode: (ids) => ids.filter((i) => i > 3).map((i) => vocab[i]).join(' '),
    tokenToId: (w) => index.get(w),
  };
}

describe('captionBatch', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  const tok = toyTokenizer(['a', 'red', 'circle', 'blue', 'square']);

  it('builds [BOS, tokens, EOS, PAD] with labels aligned to the logits', () => {
    const b = captionBatch(
      [{ id: 'x', captions: ['a red circle'] }, { id: 'y', captions: ['zzz', 'blue'] }],
      tok,
      { maxLength: 8 },
    );
    // a=4 red=5 circle=6 blue=7; 'zzz' -> unk 3
    expect(b.inputIds.arraySync()).toEqual([[1, 4, 5, 6, 2], [1, 3, 2, 0, 0]]);
    expect(b.labels.arraySync()).toEqual([[4, 5, 6, 2, IGNORE_INDEX], [3, 2, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]]);
    expect(b.attentionMask.arraySync()).toEqual([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]);
    expect(b.lengths).toEqual([5, 3]);
    tf.dispose([b.inputIds, b.labels, b.attentionMask]);
  });

  it('reads other fields/indices, truncates on the right and pads to max on request', () => {
    const b = captionBatch([{ id: 'x', text: 'a red circle blue' }, { id: 'y', captions: [] , text: 'blue'}], tok, { maxLength: 4, field: 'text', padTo: 'max' });
    expect(b.inputIds.arraySync()).toEqual([[1, 4, 5, 6], [1, 7, 2, 0]]);
    expect(b.labels.arraySync()).toEqual([[4, 5, 6, -100], [7, 2, -100, -100]]);
    tf.dispose([b.inputIds, b.labels, b.attentionMask]);
    const c = captionBatch([{ id: 'x', captions: ['a', 'blue square'] }], tok, { maxLength: 8, index: 1 });
    expect(c.ids).toEqual([[1, 7, 8, 2]]);
    tf.dispose([c.inputIds, c.labels, c.attentionMask]);
  });

  it('names the sample and field when text is missing', () => {
    expect(() => captionBatch([{ id: 'img-7' }], tok, { maxLength: 8 })).toThrow(/img-7.*"captions"/);
    expect(() => captionBatch([{ id: 'img-8', captions: ['a'] }], tok, { maxLength: 8, index: 2 })).toThrow(/"captions"\[2\]/);
    expect(() => captionBatch([{ id: 'a', captions: ['a'] }], tok, { maxLength: 1 })).toThrow(/maxLength/);
  });
});
