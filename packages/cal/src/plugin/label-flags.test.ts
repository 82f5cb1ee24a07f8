import { beforeAll, describe, expect, it } from 'vitest';
import { captionBatch, createShapesWorld, initBackend, shapesTokenizer, tf, WordTokenizer, type Sample } from '@vlalign/core';
import { captionSource } from './caption-source.js';
import { labelFlagMasks } from './label-flags.js';

describe('labelFlagMasks on the shapes world fillerCaption', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const tokenizer = shapesTokenizer();
  const samples = Array.from({ length: 24 }, (_, i) => createShapesWorld({ seed: 3, size: 24, split: 'train', imageSize: 16 }).get(i));

  it('puts word k of the caption on label position k (the label id is that word), nothing on EOS or padding', () => {
    const sources = samples.map((s) => captionSource(s, 'fillerCaption'));
    const b = captionBatch(sources.map((src, i) => ({ id: `${i}`, text: src.text }) as Sample, tokenizer), tokenizer, { maxLength: 64, field: 'text' });
    const [B, T] = b.labels.shape;
    const labels = b.labels.arraySync();
    const m = labelFlagMasks(sources, b.ids, T, tokenizer);
    expect(m.rowsWithFlags).toBe(B);
    let visual = 0;
    let filler = 0;
    samples.forEach((s, row) => {
      const f = s.fillerCaption;
      for (let t = 0; t < T; t++) {
        const k = t; // label t predicts input t + 1 = word t (input 0 is BOS)
        if (k < f.tokens.length) {
          expect(labels[row][t], `row ${row} pos ${t}`).toBe(tokenizer.tokenToId(f.tokens[k]));
          expect(m.visual[row * T + t]).toBe(f.isVisual[k] ? 1 : 0);
          expect(m.filler[row * T + t]).toBe(f.isFiller[k] ? 1 : 0);
        } else {
          if (k === f.tokens.length) expect(labels[row][t]).toBe(tokenizer.eosId);
          else expect(labels[row][t]).toBe(-100);
          expect(m.visual[row * T + t]).toBe(0);
          expect(m.filler[row * T + t]).toBe(0);
        }
      }
      visual += f.isVisual.filter(Boolean).length;
      filler += f.isFiller.filter(Boolean).length;
    });
    expect(m.visualCount).toBe(visual);
    expect(m.fillerCount).toBe(filler);
    expect(filler).toBeGreaterThan(0);
    tf.dispose([b.inputIds, b.labels, b.attentionMask]);
  });

  it('drops flags past a cut (maxLength) and skips rows a different tokenizer splits otherwise', () => {
    const s = samples[0];
    const src = captionSource(s, 'fillerCaption');
    const b = captionBatch([{ id: 'a', text: src.text }], tokenizer, { maxLength: 4, field: 'text' });
    const m = labelFlagMasks([src], b.ids, 4, tokenizer);
    // ids = [BOS, w0, w1, w2]: labels 0..2 are words 0..2, position 3 has no label.
    expect(Array.from(m.visual)).toEqual([...src.isVisual!.slice(0, 3).map(Number), 0]);
    tf.dispose([b.inputIds, b.labels, b.attentionMask]);

    // Kept when the tokenizer splits the text into the flagged tokens; refused when it gives another
    // count, or ids that differ from those of the flagged token strings, or when there are no flags.
    const tiny = new WordTokenizer(['a', 'i', 'think', 'red']);
    const other = { ...tiny, encode: (t: string) => [...tiny.encode(t), 0], tokenToId: tiny.tokenToId.bind(tiny) } as unknown as WordTokenizer;
    const flagged = { text: 'i think a red', tokens: ['i', 'think', 'a', 'red'], isVisual: [false, false, false, true], isFiller: [true, true, false, false] };
    expect(labelFlagMasks([flagged], [[1, 5, 6, 4, 7, 2]], 6, tiny).rowsWithFlags).toBe(1);
    expect(labelFlagMasks([flagged], [[1, 5, 6, 4, 7, 2, 0]], 7, other).rowsWithFlags).toBe(0);
    const shifted = { ...tiny, encode: tiny.encode.bind(tiny), tokenToId: (t: string) => (t === 'red' ? 0 : tiny.tokenToId(t)) } as unknown as WordTokenizer;
    expect(labelFlagMasks([flagged], [[1, 5, 6, 4, 7, 2]], 6, shifted).rowsWithFlags).toBe(0);
    expect(labelFlagMasks([{ text: 'a red' }], [[1, 4, 7, 2]], 4, tiny).rowsWithFlags).toBe(0);
  });
});

describe('captionSource', () => {
  const base = { id: 's1' } as Sample;
  it('reads strings, arrays and flagged objects, and names the sample and field otherwise', () => {
    expect(captionSource({ ...base, c: 'a red star' }, 'c')).toEqual({ text: 'a red star' });
    expect(captionSource({ ...base, c: ['x', 'y'] }, 'c', 1)).toEqual({ text: 'y' });
    const f = { text: 'well , a star', tokens: ['well', ',', 'a', 'star'], isVisual: [false, false, false, true], isFiller: [true, true, false] };
    // isFiller has the wrong length: dropped, isVisual kept.
    expect(captionSource({ ...base, f }, 'f')).toEqual({ text: f.text, tokens: f.tokens, isVisual: f.isVisual, isFiller: undefined });
    expect(() => captionSource({ ...base }, 'fillerCaption')).toThrow(/sample "s1" field "fillerCaption".*got nothing/);
    expect(() => captionSource({ ...base, c: 3 }, 'c')).toThrow(/got number/);
  });
});
