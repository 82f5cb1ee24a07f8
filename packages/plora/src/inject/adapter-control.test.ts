import { beforeAll, describe, expect, it } from 'vitest';
import { Linear, initBackend, tf } from '@vlalign/core';
import { TinyStack, bitsEqual, maxAbsDiff } from '../testing/tiny-stack.js';
import { applyLoRA, applyPartialLoRA } from './apply-lora.js';
import { mergeAdapters, mergeAndUnload, unmergeAdapters, withAdaptersDisabled } from './adapter-control.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const input = () => tf.randomNormal([2, 4, 16], 0, 1, 'float32', 31);

describe('model-wide adapter control', () => {
  it('mergeAdapters / unmergeAdapters: same outputs within 1e-5, original weights restored bit for bit', () => {
    const model = new TinyStack();
    applyPartialLoRA(model, { targets: 'blocks\\..*', initLoraWeights: false, seed: 2 });
    model.eval();
    const x = input();
    const mask = tf.tensor2d([[1, 1, 0, 0], [0, 1, 0, 1]]);
    const weights = Object.fromEntries(model.namedParameters().map(([n, v]) => [n, tf.clone(v)]));
    const unmerged = model.forward(x, mask);
    expect(mergeAdapters(model)).toHaveLength(12);
    expect(maxAbsDiff(model.forward(x, mask), unmerged)).toBeLessThan(1e-5);
    unmergeAdapters(model);
    for (const [n, v] of model.namedParameters()) expect(bitsEqual(v, weights[n]), n).toBe(true);
    model.dispose();
  });

  it('withAdaptersDisabled gives the base outputs and restores the adapters, also after a throw', async () => {
    const model = new TinyStack();
    const x = input();
    const base = model.forward(x);
    applyLoRA(model, { targets: ['fc1', 'fc2'], initLoraWeights: false });
    const adapted = model.forward(x);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-4);
    expect(bitsEqual(withAdaptersDisabled(model, () => model.forward(x)), base)).toBe(true);
    expect(() => withAdaptersDisabled(model, () => { throw new Error('boom'); })).toThrow('boom');
    await withAdaptersDisabled(model, async () => undefined);
    expect(bitsEqual(model.forward(x), adapted)).toBe(true);
    model.dispose();
  });

  it('mergeAndUnload puts plain Linear layers back with the merged weights; partial adapters refuse', () => {
    const model = new TinyStack();
    applyLoRA(model, { targets: ['q_proj', 'head'], initLoraWeights: false });
    const x = input();
    const adapted = model.forward(x);
    expect(mergeAndUnload(model)).toEqual(['blocks.0.attn.q_proj', 'blocks.1.attn.q_proj', 'head']);
    expect(model.getModule('head')).toBeInstanceOf(Linear);
    expect(Object.keys(model.stateDict()).some((n) => n.includes('lora'))).toBe(false);
    expect(maxAbsDiff(model.forward(x), adapted)).toBeLessThan(1e-5);
    const partial = new TinyStack();
    applyPartialLoRA(partial, { targets: ['q_proj'] });
    expect(() => mergeAndUnload(partial)).toThrow(/Partial LoRA adapters cannot be merged into a single weight/);
    expect(() => mergeAdapters(new TinyStack())).toThrow(/no LoRA adapters/);
    model.dispose();
    partial.dispose();
  });
});
