import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/init-backend.js';
import { MultiHeadAttention, disposeAttentionCache, type AttentionCache } from './attention.js';
import { TransformerBlock, type BlockCache } from './transformer-block.js';
import { buildAttentionBias } from './attention-bias.js';
import { stopGradient } from './activations.js';
import { checkGradients, fixedRandom } from './testing/grad-check.js';
import type { Module } from './module.js';

beforeAll(async () => {
  await initBackend('wasm');
});

function inputVar(shape: number[], seed: number): tf.Variable {
  const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}

/** Larger weights than the 0.02 init so attention is far from uniform and the check is meaningful. */
function randomise(m: Module, std = 0.5): void {
  for (const [, v] of m.namedParameters()) {
    const t = tf.randomNormal(v.shape, v.shape.length === 1 ? 0 : 0, std, 'float32', v.size + v.shape.length);
    v.assign(t);
    t.dispose();
  }
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('gradient check helper', () => {
  it('reports a wrong gradient', () => {
    const x = inputVar([3], 1);
    const res = checkGradients({ x }, () => tf.sum(tf.square(stopGradient(x))));
    expect(res.mismatches.length).toBe(3);
    x.dispose();
  });
});

describe('MultiHeadAttention', () => {
  it('registers q/k/v/out projections', () => {
    const attn = new MultiHeadAttention(8, 2);
    expect(attn.namedParameters().map(([n]) => n)).toEqual([
      'q_proj.weight', 'q_proj.bias', 'k_proj.weight', 'k_proj.bias', 'v_proj.weight', 'v_proj.bias', 'out_proj.weight', 'out_proj.bias',
    ]);
    expect(() => new MultiHeadAttention(8, 3)).toThrow(/multiple of heads/);
    attn.dispose();
  });

  it('self-attention gradients (causal + padding mask) match finite differences', () => {
    const attn = new MultiHeadAttention(4, 2, { seed: 1 });
    randomise(attn);
    const x = inputVar([2, 3, 4], 2);
    const keyMask = tf.tensor2d([[1, 1, 1], [1, 1, 0]]);
    const r = fixedRandom([2, 3, 4], 3);
    const res = checkGradients({ ...attn.stateDict(), x }, () => tf.sum(tf.mul(attn.forward(x, { causal: true, keyMask }), r)));
    expect(res.mismatches).toEqual([]);
    expect(res.checked).toBeGreaterThan(90);
    tf.dispose([x, keyMask, r]);
    attn.dispose();
  });

  it('cross-attention gradients match finite differences (context of another width and length)', () => {
    const attn = new MultiHeadAttention(4, 2, { kvDim: 3, seed: 2 });
    randomise(attn);
    const x = inputVar([2, 2, 4], 4);
    const context = inputVar([2, 3, 3], 5);
    const r = fixedRandom([2, 2, 4], 6);
    const res = checkGradients({ ...attn.stateDict(), x, context }, () => tf.sum(tf.mul(attn.forward(x, { context }), r)));
    expect(res.mismatches).toEqual([]);
    tf.dispose([x, context, r]);
    attn.dispose();
  });

  it('causal: changing a later token does not change earlier outputs', () => {
    const attn = new MultiHeadAttention(8, 2, { seed: 3 });
    randomise(attn);
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 7);
    const changed = tf.tidy(() => tf.concat([tf.slice(x, [0, 0, 0], [2, 3, 8]), tf.randomNormal([2, 2, 8], 0, 1, 'float32', 8)], 1));
    const a = attn.forward(x, { causal: true });
    const b = attn.forward(changed, { causal: true });
    const early = (t: tf.Tensor) => tf.slice(t, [0, 0, 0], [2, 3, 8]);
    expect(tf.tidy(() => maxAbsDiff(early(a), early(b)))).toBe(0);
    expect(tf.tidy(() => maxAbsDiff(tf.slice(a, [0, 3, 0], [2, 2, 8]), tf.slice(b, [0, 3, 0], [2, 2, 8])))).toBeGreaterThan(1e-3);
    tf.dispose([x, changed, a, b]);
    attn.dispose();
  });

  it('padding: keys with mask 0 do not affect the outputs of the other positions', () => {
    const attn = new MultiHeadAttention(8, 4, { seed: 4 });
    randomise(attn);
    const keyMask = tf.tensor2d([[1, 1, 1, 0], [1, 0, 1, 1]]);
    const x = tf.randomNormal([2, 4, 8], 0, 1, 'float32', 9);
    // Replace the padded rows (b0 t3, b1 t1) with unrelated values.
    const noise = tf.randomNormal([2, 4, 8], 0, 5, 'float32', 10);
    const m3 = tf.reshape(keyMask, [2, 4, 1]);
    const changed = tf.tidy(() => tf.add(tf.mul(x, m3), tf.mul(noise, tf.sub(1, m3))));
    const a = attn.forward(x, { keyMask });
    const b = attn.forward(changed, { keyMask });
    const diff = tf.tidy(() => tf.max(tf.mul(tf.abs(tf.sub(a, b)), m3)).dataSync()[0]);
    expect(diff).toBeLessThan(1e-6);
    tf.dispose([keyMask, x, noise, m3, changed, a, b]);
    attn.dispose();
  });

  it('a query whose keys are all masked gives finite outputs (no NaN)', () => {
    const attn = new MultiHeadAttention(4, 2);
    const x = tf.ones([1, 2, 4]);
    const keyMask = tf.tensor2d([[0, 1]]);
    const y = attn.forward(x, { causal: true, keyMask });
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, keyMask, y]);
    attn.dispose();
  });

  it('KV-cache incremental decoding equals the full causal forward, without leaking tensors', () => {
    const attn = new MultiHeadAttention(8, 2, { seed: 5 });
    randomise(attn);
    const x = tf.randomNormal([2, 6, 8], 0, 1, 'float32', 11);
    const keyMask = tf.tensor2d([[1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1]]); // left padding in row 1
    const full = attn.forward(x, { causal: true, keyMask });
    const before = tf.memory().numTensors;
    const cache: AttentionCache = {};
    const steps: tf.Tensor[] = [];
    // A 2-token prefill, then one token at a time.
    const chunks = [[0, 2], [2, 1], [3, 1], [4, 1], [5, 1]];
    for (const [start, len] of chunks) {
      steps.push(tf.tidy(() => attn.forward(tf.slice(x, [0, start, 0], [2, len, 8]), { causal: true, keyMask: tf.slice(keyMask, [0, 0], [2, start + len]), cache })));
    }
    const incremental = tf.concat(steps, 1);
    // Compare valid query positions only: a padded query sees no valid key, so its output is arbitrary.
    const valid = tf.reshape(keyMask, [2, 6, 1]);
    expect(tf.tidy(() => tf.max(tf.mul(tf.abs(tf.sub(full, incremental)), valid)).dataSync()[0])).toBeLessThan(1e-5);
    valid.dispose();
    expect(cache.k!.shape).toEqual([2, 2, 4, 6]);
    tf.dispose([...steps, incremental]);
    disposeAttentionCache(cache);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, keyMask, full]);
    attn.dispose();
  });
});

describe('buildAttentionBias', () => {
  it('combines causal and key masks with an offset for cached keys', () => {
    const keyMask = tf.tensor2d([[1, 0, 1, 1]]);
    const bias = buildAttentionBias({ queryLength: 2, keyLength: 4, causal: true, keyMask })!;
    expect(bias.shape).toEqual([1, 1, 2, 4]);
    const allowed = Array.from(bias.dataSync()).map((v) => (v === 0 ? 1 : 0));
    expect(allowed).toEqual([1, 0, 1, 0, 1, 0, 1, 1]);
    expect(buildAttentionBias({ queryLength: 1, keyLength: 4, causal: true })).toBeUndefined();
    expect(() => buildAttentionBias({ queryLength: 2, keyLength: 4, keyMask: tf.ones([1, 3]) })).toThrow(/keyMask must be \[B, 4\]/);
    tf.dispose([keyMask, bias]);
  });
});

describe('TransformerBlock', () => {
  it('has the pre-LN children and its gradients (with cross-attention) match finite differences', () => {
    const block = new TransformerBlock(4, 2, 6, { crossAttention: true, contextDim: 3, seed: 6 });
    expect(block.children().map(([n]) => n)).toEqual(['ln1', 'attn', 'ln_cross', 'cross_attn', 'ln2', 'mlp']);
    randomise(block, 0.4);
    const x = inputVar([1, 3, 4], 12);
    const context = tf.randomNormal([1, 2, 3], 0, 1, 'float32', 13);
    const r = fixedRandom([1, 3, 4], 14);
    const res = checkGradients({ ...block.stateDict(), x }, () => tf.sum(tf.mul(block.forward(x, { causal: true, context }), r)), { maxPerVariable: 12 });
    expect(res.mismatches).toEqual([]);
    tf.dispose([x, context, r]);
    block.dispose();
  });

  it('passes the LinearContext to every linear layer that reads x', () => {
    const block = new TransformerBlock(4, 2, 8, { seed: 7 });
    const seen: string[] = [];
    for (const [path, m] of block.namedModules()) {
      if (!path.endsWith('proj') && !path.includes('fc')) continue;
      type Fwd = { forward: (x: tf.Tensor, ctx?: { visualMask?: tf.Tensor }) => tf.Tensor };
      const orig = (m as unknown as Fwd).forward.bind(m);
      (m as unknown as Fwd).forward = (x, ctx) => {
        if (ctx?.visualMask) seen.push(path);
        return orig(x, ctx);
      };
    }
    const x = tf.ones([1, 3, 4]);
    const visualMask = tf.tensor2d([[1, 1, 0]]);
    tf.dispose(block.forward(x, { causal: true, ctx: { visualMask } }));
    expect(seen.sort()).toEqual(['attn.k_proj', 'attn.out_proj', 'attn.q_proj', 'attn.v_proj', 'mlp.fc1', 'mlp.fc2']);
    tf.dispose([x, visualMask]);
    block.dispose();
  });

  it('KV cache through a block equals the full forward', () => {
    const block = new TransformerBlock(8, 2, 16, { seed: 8 });
    randomise(block, 0.3);
    const x = tf.randomNormal([1, 4, 8], 0, 1, 'float32', 15);
    const full = block.forward(x, { causal: true });
    const cache: BlockCache = { self: {} };
    const parts = [0, 1, 2, 3].map((i) => tf.tidy(() => block.forward(tf.slice(x, [0, i, 0], [1, 1, 8]), { causal: true, cache })));
    const inc = tf.concat(parts, 1);
    expect(maxAbsDiff(full, inc)).toBeLessThan(1e-5);
    disposeAttentionCache(cache.self);
    tf.dispose([x, full, inc, ...parts]);
    block.dispose();
  });
});
