import { beforeAll, describe, expect, it } from 'vitest';
import { captionBatch, initBackend, tf } from '@vlalign/core';
import { PointHead, defaultPointHeadHidden } from './point-head.js';
import { encodeRows } from '../targets/pixel-rows.js';
import { pointLoss } from '../losses/point-loss.js';
import { WHOLE_IMAGE_BOX } from '../prompt/location-prompt-encoder.js';
import { tinyVlm, tokenizer } from '../testing/tiny-setup.js';

describe('PointHead', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('maps [B, T, D] features to [B, T, 2, 2] points around the image centre', () => {
    const head = new PointHead(32);
    expect(head.hidden).toBe(defaultPointHeadHidden(32));
    expect(defaultPointHeadHidden(768)).toBe(512);
    expect(defaultPointHeadHidden(64)).toBe(48);
    const names = head.namedParameters().map(([n]) => n);
    expect(names).toEqual(['norm.weight', 'norm.bias', 'layer0.weight', 'layer0.bias', 'layer1.weight', 'layer1.bias', 'layer2.weight', 'layer2.bias', 'out.weight', 'out.bias']);
    tf.tidy(() => {
      const out = head.forward(tf.randomNormal([2, 5, 32], 0, 1, 'float32', 1));
      expect(out.shape).toEqual([2, 5, 2, 2]);
      const v = Array.from(out.dataSync());
      const mean = v.reduce((a, x) => a + x, 0) / v.length;
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.35);
      for (const x of v) expect(Number.isFinite(x)).toBe(true);
    });
    expect(() => tf.tidy(() => head.forward(tf.zeros([2, 5, 16])))).toThrow(/\[B, T, 32\]/);
    head.dispose();
  });

  it('puts word i of [BOS, w1..wn, EOS] at position i, exactly where captionBatch puts it; BOS/EOS/PAD carry no target', () => {
    const texts = ['a red circle', 'a small blue square below a green heart'];
    const rows = texts.map((text) => {
      const n = tokenizer.encode(text).length;
      // Box of word i encodes i, so the layout can be read back.
      return { prompt: WHOLE_IMAGE_BOX, text, captionLoss: true, tokenBoxes: Array.from({ length: n }, (_, i) => [i / 100, 0, i / 100, 0] as [number, number, number, number]) };
    });
    const enc = encodeRows(rows, tokenizer, 32);
    const ref = captionBatch(texts.map((text, i) => ({ id: `${i}`, text })), tokenizer, { maxLength: 32, field: 'text' });
    expect(enc.inputIds.arraySync()).toEqual(ref.inputIds.arraySync());
    const mask = enc.pointMask.arraySync() as number[][];
    const targets = enc.pointTargets.arraySync() as number[][][][];
    texts.forEach((text, b) => {
      const words = tokenizer.encode(text);
      const ids = (enc.inputIds.arraySync() as number[][])[b];
      expect(ids[0]).toBe(tokenizer.bosId);
      expect(mask[b][0]).toBe(0);
      words.forEach((id, i) => {
        expect(ids[i + 1]).toBe(id);
        expect(mask[b][i + 1]).toBe(1);
        expect(targets[b][i + 1][0][0]).toBeCloseTo(i / 100, 6);
      });
      expect(ids[words.length + 1]).toBe(tokenizer.eosId);
      for (let t = words.length + 1; t < ids.length; t++) expect(mask[b][t]).toBe(0);
    });
    tf.dispose([enc.inputIds, enc.attentionMask, enc.labels, enc.captionRows, enc.pointTargets, enc.pointMask, ref.inputIds, ref.labels, ref.attentionMask]);
  });

  it("reads a word's points from the feature at the word's own position (it sees the word, not the next one)", () => {
    // Only word 2 ("circle", position 3) has a target. The point loss must depend on the token at
    // position 3 (the feature there has read it) and not on the token at position 4 (EOS).
    const model = tinyVlm(tokenizer, 1);
    const head = new PointHead(32, { seed: 2 });
    const text = 'a red circle';
    const rows = [{ prompt: WHOLE_IMAGE_BOX, text, captionLoss: true, tokenBoxes: [null, null, [0.1, 0.2, 0.3, 0.4] as [number, number, number, number]] }];
    const enc = encodeRows(rows, tokenizer, 16);
    const ids = (enc.inputIds.arraySync() as number[][])[0];
    const lossWith = (swap: { pos: number; word: string } | undefined) =>
      tf.tidy(() => {
        const row = [...ids];
        if (swap) row[swap.pos] = tokenizer.tokenToId(swap.word)!;
        const images = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
        const { hidden } = model.forward({ images, inputIds: tf.tensor2d([row], [1, row.length], 'int32'), attentionMask: enc.attentionMask });
        return pointLoss(head.forward(hidden), enc.pointTargets, enc.pointMask).dataSync()[0];
      });
    const base = lossWith(undefined);
    expect(lossWith({ pos: 3, word: 'square' })).not.toBeCloseTo(base, 6);
    expect(lossWith({ pos: 4, word: 'square' })).toBeCloseTo(base, 6);
    tf.dispose([enc.inputIds, enc.attentionMask, enc.labels, enc.captionRows, enc.pointTargets, enc.pointMask]);
    model.dispose();
    head.dispose();
  });
});
