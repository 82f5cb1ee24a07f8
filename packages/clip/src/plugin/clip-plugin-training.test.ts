import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf, type BackendInfo, type Sample } from '@vlalign/core';
import { clip } from './clip-plugin.js';
import { TestContext, train } from '../testing/plugin-harness.js';
import { shapesSamples, tinyDualEncoder, tokenizer } from '../testing/tiny-models.js';

let backend: BackendInfo;
let batch: Sample[];
let ctx: TestContext | undefined;

beforeAll(async () => {
  backend = await initBackend('wasm');
  // One fixed caption per image: with a random pick among 3 caption styles, a few steps are too noisy to judge.
  batch = (await shapesSamples(8)).map((s) => ({ ...s, captions: [s.captions![0]] }));
});
afterEach(() => {
  ctx?.dispose();
  ctx?.model.dispose();
  ctx = undefined;
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('clip plugin training a tiny DualEncoder', () => {
  const hardNegatives = { swapGroups: [[['circle', 'disc'], ['square', 'box'], 'triangle', 'star', ['cross', 'plus'], ['diamond', 'rhombus'], 'heart']] };
  it.each([
    ['infonce', 1, 14, 0.85, false],
    ['siglip', 1, 10, 0.85, false],
    ['infonce', 2, 6, 0.95, false], // short: mainly the tensor count of the feature-cache path
    ['infonce', 1, 14, 0.9, true], // hard negatives: a varying number of negatives per batch
  ] as const)('%s (accumulate=%i): %i steps, loss falls below %s of the start, flat tensor count (hard negatives: %s)', async (loss, accumulate, steps, factor, negatives) => {
    const plugin = clip({ loss, accumulate, ...(negatives ? { hardNegatives } : {}) });
    ctx = new TestContext(tinyDualEncoder(), tokenizer, backend, 0);
    await plugin.setup!(ctx);
    const counts: number[] = [];
    const losses = await train(plugin, ctx, [batch], steps, 3e-4, () => counts.push(tf.memory().numTensors));
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-3))).toBeLessThan(factor * mean(losses.slice(0, 3)));
    // Optimiser slots exist after the first step; from then on nothing may accumulate.
    expect(new Set(counts.slice(1)).size).toBe(1);
  });
});
