import { beforeAll, describe, expect, it } from 'vitest';
import { IGNORE_INDEX, initBackend, shapesTokenizer, tf } from '@vlalign/core';
import { UnifiedVocabulary, createUnifiedLM } from './unified-vocabulary.js';
import { pairSequence, sequenceBatch } from './unified-sequences.js';
import { restrictedGenerate } from './restricted-generate.js';
import { captionFromVisualIds, generateVisualIds } from './unified-generation.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('UnifiedVocabulary', () => {
  it('lays out text, [IMG], [/IMG], then the codes', () => {
    const v = new UnifiedVocabulary(10, 4);
    expect([v.imageStart, v.imageEnd, v.visualOffset, v.size]).toEqual([10, 11, 12, 16]);
    expect(v.imageSpan([0, 3])).toEqual([10, 12, 15, 11]);
    expect(v.codeOf(15)).toBe(3);
    expect(v.codeOf(9)).toBeUndefined();
    expect(() => v.visualId(4)).toThrow(/outside/);
  });

  it('pair sequences in both orders and a next-token batch with labels on both modalities', () => {
    const tok = shapesTokenizer();
    const v = new UnifiedVocabulary(tok.vocabSize, 8);
    const text = tok.encode('a red circle');
    const a = pairSequence(v, tok, [1, 2], 'a red circle', 'image-first');
    expect(a).toEqual([tok.bosId, v.imageStart, v.visualId(1), v.visualId(2), v.imageEnd, ...text, tok.eosId]);
    const b = pairSequence(v, tok, [5], 'a red circle', 'text-first');
    expect(b).toEqual([tok.bosId, ...text, v.imageStart, v.visualId(5), v.imageEnd, tok.eosId]);
    const batch = sequenceBatch([a, b], tok.padId, 64);
    const labels = batch.labels.arraySync();
    expect(labels[0].slice(0, a.length - 1)).toEqual(a.slice(1));
    expect(labels[1][b.length - 1]).toBe(IGNORE_INDEX);
    expect(labels[1][a.length - 1]).toBe(IGNORE_INDEX);
    tf.dispose([batch.inputIds, batch.labels, batch.attentionMask]);
  });
});

describe('generation over a unified vocabulary', () => {
  it('only emits allowed ids (plus stops), batches prompts of different lengths, leaks nothing', async () => {
    const tok = shapesTokenizer();
    const { lm, vocab } = createUnifiedLM({ maxLength: 32, width: 16, layers: 1, heads: 2, mlpHidden: 32 }, tok.vocabSize, 6, { seed: 4 });
    const before = tf.memory().numTensors;
    const allowed = new Uint8Array(vocab.size);
    allowed[5] = 1;
    allowed[7] = 1;
    const out = await restrictedGenerate(lm, [[1, 4], [1]], { allowed, maxNewTokens: 5 });
    expect(out.map((r) => r.length)).toEqual([5, 5]);
    for (const id of out.flat()) expect([5, 7]).toContain(id);
    // Row 1 alone decodes the same as in the batch (left padding is masked).
    expect(await restrictedGenerate(lm, [[1]], { allowed, maxNewTokens: 5 })).toEqual([out[1]]);
    const ids = await generateVisualIds(lm, vocab, tok, ['a red circle'], { minTokens: 2, maxTokens: 4 });
    expect(ids[0].length).toBeGreaterThanOrEqual(2);
    expect(ids[0].length).toBeLessThanOrEqual(5);
    for (const c of ids[0]) expect(c >= 0 && c < 6).toBe(true);
    const caps = await captionFromVisualIds(lm, vocab, tok, [[0, 1], [2]], { maxNewTokens: 4 });
    expect(caps).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before);
    lm.dispose();
  });
});
