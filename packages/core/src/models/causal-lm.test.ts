import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { CausalLM } from './causal-lm.js';
import { microLM } from './testing-configs.js';
import type { Module } from '../nn/module.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Larger-than-init weights so the model's predictions are sharp and position-dependent. */
function randomise(m: Module, std = 0.3): void {
  for (const [, v] of m.namedParameters()) {
    const t = tf.randomNormal(v.shape, 0, std, 'float32', v.size + 17 * v.shape.length);
    v.assign(t);
    t.dispose();
  }
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('CausalLM', () => {
  it('has the documented parameter names and capabilities, and a JSON config', () => {
    const lm = new CausalLM(microLM);
    const names = lm.namedParameters().map(([n]) => n);
    expect(names).toEqual(expect.arrayContaining(['token_embed.weight', 'pos_embed', 'blocks.1.mlp.fc2.bias', 'ln_f.weight', 'lm_head.weight']));
    expect(names).not.toContain('lm_head.bias');
    expect(lm.capabilities).toEqual(['lm']);
    expect(JSON.parse(JSON.stringify(lm.config))).toEqual({ ...microLM, dropout: 0, eps: 1e-5 });
    lm.dispose();
  });

  it('forward gives [B, P+T] logits and hidden; outputStart slices them; prefix/attentionMask shapes are checked', () => {
    const lm = new CausalLM(microLM, { seed: 2 });
    randomise(lm);
    const ids = tf.tensor2d([[1, 4, 5], [1, 6, 0]], [2, 3], 'int32');
    const prefix = tf.randomNormal([2, 2, 16], 0, 1, 'float32', 3);
    const mask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]);
    const full = lm.forward(ids, { prefix, attentionMask: mask });
    expect(full.logits.shape).toEqual([2, 5, 24]);
    expect(full.hidden.shape).toEqual([2, 5, 16]);
    const tail = lm.forward(ids, { prefix, attentionMask: mask, outputStart: 2 });
    expect(tail.logits.shape).toEqual([2, 3, 24]);
    expect(maxDiff(tf.slice(full.logits, [0, 2, 0], [2, 3, 24]), tail.logits)).toBeLessThan(1e-5);
    expect(() => lm.forward(ids, { attentionMask: mask })).toThrow(/attentionMask must be \[2, 3\]/);
    expect(() => lm.forward(tf.zeros([1, 30], 'int32'))).toThrow(/exceed maxLength 24/);
    tf.dispose([ids, prefix, mask, full.logits, full.hidden, tail.logits, tail.hidden]);
    lm.dispose();
  });

  it('maskPrefix makes the text outputs independent of the prefix content', () => {
    const lm = new CausalLM(microLM, { seed: 3 });
    randomise(lm);
    const ids = tf.tensor2d([[1, 4, 5]], [1, 3], 'int32');
    const p1 = tf.randomNormal([1, 2, 16], 0, 1, 'float32', 4);
    const p2 = tf.randomNormal([1, 2, 16], 0, 1, 'float32', 5);
    const a = lm.forward(ids, { prefix: p1, maskPrefix: true, outputStart: 2 });
    const b = lm.forward(ids, { prefix: p2, maskPrefix: true, outputStart: 2 });
    const c = lm.forward(ids, { prefix: p2, outputStart: 2 });
    expect(maxDiff(a.logits, b.logits)).toBe(0);
    expect(maxDiff(a.logits, c.logits)).toBeGreaterThan(1e-3);
    tf.dispose([ids, p1, p2, a.logits, a.hidden, b.logits, b.hidden, c.logits, c.hidden]);
    lm.dispose();
  });

  it('KV-cache decoding (prefix prefill, then one token at a time) equals the full forward', () => {
    const lm = new CausalLM(microLM, { seed: 4 });
    randomise(lm);
    const ids = tf.tensor2d([[1, 4, 5, 6, 7], [1, 8, 9, 10, 11]], [2, 5], 'int32');
    const prefix = tf.randomNormal([2, 3, 16], 0, 1, 'float32', 6);
    const full = lm.forward(ids, { prefix });
    const before = tf.memory().numTensors;
    const cache = lm.createCache();
    const parts: tf.Tensor[] = [];
    parts.push(tf.tidy(() => lm.forward(tf.slice(ids, [0, 0], [2, 2]), { prefix, kvCache: cache }).logits));
    for (let i = 2; i < 5; i++) parts.push(tf.tidy(() => lm.forward(tf.slice(ids, [0, i], [2, 1]), { kvCache: cache }).logits));
    expect(cache.length).toBe(8);
    const inc = tf.concat(parts, 1);
    expect(maxDiff(full.logits, inc)).toBeLessThan(1e-4);
    tf.dispose([inc, ...parts]);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ids, prefix, full.logits, full.hidden]);
    lm.dispose();
  });

  it('a left-padded row with positionIds gives the same logits as the unpadded row', () => {
    const lm = new CausalLM(microLM, { seed: 5 });
    randomise(lm);
    const alone = lm.forward(tf.tensor2d([[1, 4, 5]], [1, 3], 'int32'));
    const padded = lm.forward(tf.tensor2d([[0, 0, 1, 4, 5]], [1, 5], 'int32'), {
      attentionMask: tf.tensor2d([[0, 0, 1, 1, 1]]),
      positionIds: tf.tensor2d([[0, 0, 0, 1, 2]], [1, 5], 'int32'),
      outputStart: 2,
    });
    expect(maxDiff(alone.logits, padded.logits)).toBeLessThan(1e-5);
    tf.dispose([alone.logits, alone.hidden, padded.logits, padded.hidden]);
    lm.dispose();
  });
});

describe('CausalLM.generate', () => {
  it('greedy decoding equals a manual argmax loop over full forwards, with log-probs from log_softmax', async () => {
    const lm = new CausalLM(microLM, { seed: 6 });
    randomise(lm, 0.5);
    const res = await lm.generate([[1, 4]], { maxNewTokens: 5, returnLogProbs: true });
    const seq = [1, 4];
    const expectedLogProbs: number[] = [];
    for (let s = 0; s < 5; s++) {
      const row = tf.tidy(() => {
        const logits = lm.forward(tf.tensor2d([seq], [1, seq.length], 'int32'), { outputStart: -1 }).logits;
        return Array.from(tf.logSoftmax(tf.reshape(logits, [24])).dataSync());
      });
      const best = row.indexOf(Math.max(...row));
      expectedLogProbs.push(row[best]);
      seq.push(best);
    }
    expect(res.ids).toEqual([seq.slice(2)]);
    res.logProbs![0].forEach((v, i) => expect(v).toBeCloseTo(expectedLogProbs[i], 4));
    lm.dispose();
  });

  it('batches prompts of different lengths exactly like generating each alone, and frees every tensor', async () => {
    const lm = new CausalLM(microLM, { seed: 7 });
    randomise(lm, 0.5);
    await lm.generate([[1]], { maxNewTokens: 2 }); // warm-up (kernel caches)
    const before = tf.memory().numTensors;
    const both = await lm.generate([[1, 4, 5], [1]], { maxNewTokens: 4 });
    expect(tf.memory().numTensors).toBe(before);
    const a = await lm.generate([[1, 4, 5]], { maxNewTokens: 4 });
    const b = await lm.generate([[1]], { maxNewTokens: 4 });
    expect(both.ids).toEqual([a.ids[0], b.ids[0]]);
    lm.dispose();
  });

  it('stops a row at a stop token (included), and is capped by maxLength', async () => {
    const lm = new CausalLM(microLM, { seed: 8 });
    randomise(lm, 0.5);
    const free = await lm.generate([[1]], { maxNewTokens: 6 });
    const stopAt = free.ids[0][2];
    const stopped = await lm.generate([[1]], { maxNewTokens: 6, stopTokens: [stopAt] });
    expect(stopped.ids[0]).toEqual(free.ids[0].slice(0, free.ids[0].indexOf(stopAt) + 1));
    const long = await lm.generate([[1, 2, 3]], { maxNewTokens: 100 });
    expect(long.ids[0].length).toBe(24 - 3 + 1);
    await expect(lm.generate([[]], { maxNewTokens: 2 })).rejects.toThrow(/prompts\[0\] is empty/);
    await expect(lm.generate([[99]], { maxNewTokens: 2 })).rejects.toThrow(/token id 99 outside \[0, 24\)/);
    lm.dispose();
  });

  it('sampling is reproducible for a seed and varies across seeds', async () => {
    const lm = new CausalLM(microLM, { seed: 9 });
    randomise(lm, 0.1);
    const opts = { maxNewTokens: 8, temperature: 1, topK: 10, topP: 0.95 };
    const a = await lm.generate([[1], [1]], { ...opts, seed: 1 });
    const b = await lm.generate([[1], [1]], { ...opts, seed: 1 });
    const c = await lm.generate([[1], [1]], { ...opts, seed: 2 });
    expect(a.ids).toEqual(b.ids);
    expect(a.ids).not.toEqual(c.ids);
    lm.dispose();
  });
});
