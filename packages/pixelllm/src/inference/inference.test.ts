import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '@vlalign/core';
import { PointHead } from '../head/point-head.js';
import { LocationPromptEncoder } from '../prompt/location-prompt-encoder.js';
import { localizeReferring } from './localize-referring.js';
import { localizeWords } from './localize-words.js';
import { captionNamesObject } from '../eval/names-object.js';
import { tinyVlm, tinyWorld, tokenizer } from '../testing/tiny-setup.js';

describe('inference helpers', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(['mlp', 'visual-attention'] as const)('localizeReferring returns one valid normalised box per expression; localizeWords one entry per generated word; nothing leaks (head readout %s)', async (readout) => {
    const model = tinyVlm(tokenizer, 3);
    const head = new PointHead(32, { readout });
    const promptEncoder = new LocationPromptEncoder(32);
    const world = tinyWorld('test', 2);
    const samples = [world.get(0), world.get(1)];
    const before = tf.memory().numTensors;
    const boxes = await localizeReferring(model, head, samples.map((s) => s.image), samples.map((s) => s.referring[0].expression), { tokenizer, promptEncoder });
    expect(boxes).toHaveLength(2);
    for (const b of boxes) {
      expect(b.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(b[2]).toBeGreaterThanOrEqual(b[0]);
      expect(b[3]).toBeGreaterThanOrEqual(b[1]);
    }
    const out = await localizeWords(model, head, samples[0].image, tokenizer, { promptEncoder, maxNewTokens: 5 });
    expect(out.words.length).toBeLessThanOrEqual(5);
    for (const w of out.words) {
      expect(w.points).toHaveLength(2);
      expect(typeof w.word).toBe('string');
    }
    expect(tf.memory().numTensors).toBe(before);
    await expect(localizeReferring(model, head, [samples[0].image], ['a', 'b'], { tokenizer })).rejects.toThrow(/1 images for 2/);
    model.dispose();
    head.dispose();
    promptEncoder.dispose();
  });

  it('captionNamesObject judges the first colour and the first shape word, synonyms included', () => {
    expect(captionNamesObject('a small red disc below a blue square', { colour: 'red', shape: 'circle' })).toBe(true);
    expect(captionNamesObject('a blue square and a red circle', { colour: 'red', shape: 'circle' })).toBe(false);
    expect(captionNamesObject('a red square', { colour: 'red', shape: 'circle' })).toBe(false);
    expect(captionNamesObject('', { colour: 'red', shape: 'circle' })).toBe(false);
  });
});
