/** Test-only fixtures for the trainer tests (not exported from the package). */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, Sample, Tokenizer } from '../data/types.js';
import { Dropout } from '../nn/dropout.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';

/** pad 0, bos 1, eos 2, unk 3, then the words. */
export function toyTokenizer(words: string[]): Tokenizer {
  const vocab = ['<pad>', '<bos>', '<eos>', '<unk>', ...words];
  const index = new Map(vocab.map((w, i) => [w, i]));
  const split = (t: string) => t.split(/\s+/).filter(Boolean);
  return {
    vocabSize: vocab.length,
    padId: 0,
    bosId: 1,
    eosId: 2,
    unkId: 3,
    tokenize: split,
    encode: (t) => split(t).map((w) => index.get(w) ?? 3),
    decode: (ids) => ids.filter((i) => i > 3).map((i) => vocab[i]).join(' '),
    tokenToId: (w) => index.get(w),
  };
}

export const WORDS = ['a', 'red', 'blue', 'green', 'circle', 'square', 'left', 'of', 'the', 'above'];

/** A per-token LM (embedding -> dropout -> tanh MLP -> vocab) with the `CausalLM` surface the plugins use. */
export class TinyLm extends Module {
  readonly embedding: Embedding;
  readonly drop: Dropout;
  readonly hidden: Linear;
  readonly head: Linear;
  // Seeds start above 0: tf.truncatedNormal treats seed 0 as "unseeded" (Math.random).
  constructor(vocab: number, dim = 8, seed = 0, dropout = 0.1) {
    super();
    this.embedding = this.registerModule('embedding', new Embedding(vocab, dim, { seed: seed + 11, initStd: 0.5 }));
    this.drop = this.registerModule('drop', new Dropout(dropout, { seed: seed + 1 }));
    this.hidden = this.registerModule('hidden', new Linear(dim, dim, { seed: seed + 2, initStd: 0.5 }));
    this.head = this.registerModule('head', new Linear(dim, vocab, { seed: seed + 3, initStd: 0.5 }));
  }
  forward(ids: tf.Tensor2D, _o?: { attentionMask?: tf.Tensor2D }): { logits: tf.Tensor } {
    return tf.tidy(() => {
      const h = this.drop.forward(this.embedding.forward(ids));
      return { logits: this.head.forward(tf.tanh(this.hidden.forward(h))) };
    });
  }
  embed(ids: tf.Tensor2D): tf.Tensor {
    return this.embedding.forward(ids);
  }
  generate(): never {
    throw new Error('not needed');
  }
}

/** A deterministic in-memory text dataset. */
export function textDataset(n: number, seed = 0): Dataset<Sample & { text: string }> {
  const items = Array.from({ length: n }, (_, i) => {
    const w = (k: number) => WORDS[(i * 7 + k * 3 + seed) % WORDS.length];
    return { id: `t${i}`, text: [w(0), w(1), w(2), w(i % 3)].join(' ') };
  });
  return { length: n, get: (i) => items[i], source: `toy-text(n=${n},seed=${seed})` };
}
