import { initBackend, shapesTokenizer, tf, type RgbImage } from '@vlalign/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPairSamples, pairBatch, type PairSample } from './pair-batch.js';

const image: RgbImage = { width: 1, height: 1, channels: 3, data: new Uint8Array(3) };

describe('pairBatch', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('lays out [BOS, prompt, response, EOS] with chosen rows first and scores only response + EOS targets', () => {
    const tok = shapesTokenizer();
    const id = (w: string) => tok.tokenToId(w)!;
    const pairs: PairSample[] = [
      { id: 'p0', image, prompt: 'is there a red circle in the image ?', chosen: 'yes', rejected: 'no' },
      { id: 'p1', image, prompt: '', chosen: 'a red circle', rejected: 'a blue square above a red circle' },
    ];
    const q = ['is', 'there', 'a', 'red', 'circle', 'in', 'the', 'image', '?'].map(id);
    expect(() => pairBatch(pairs.slice(0, 1), tok, 10)).toThrow(/pair "p0".*maxLength 10/);

    const c = pairBatch(pairs, tok, 16);
    const ids = c.inputIds.arraySync();
    const labels = c.labels.arraySync();
    const mask = c.responseMask.arraySync();
    expect(ids[0].slice(0, 12)).toEqual([tok.bosId, ...q, id('yes'), tok.eosId]);
    expect(ids[2].slice(0, 12)).toEqual([tok.bosId, ...q, id('no'), tok.eosId]);
    // Prompt of 10 tokens (BOS + 9): position 9 predicts "yes", position 10 predicts EOS.
    expect(mask[0].map((m, t) => (m ? t : -1)).filter((t) => t >= 0)).toEqual([9, 10]);
    expect([labels[0][9], labels[0][10]]).toEqual([id('yes'), tok.eosId]);
    // Captioning prompt (BOS only): every target from position 0 on is scored.
    expect(ids[1].slice(0, 5)).toEqual([tok.bosId, id('a'), id('red'), id('circle'), tok.eosId]);
    expect(mask[1].slice(0, 5)).toEqual([1, 1, 1, 1, 0]);
    expect(c.responseTokens).toEqual([2, 4, 2, 8]);
    expect(c.attentionMask.arraySync()[1].slice(0, 6)).toEqual([1, 1, 1, 1, 1, 0]);
    tf.dispose([c.inputIds, c.labels, c.attentionMask, c.responseMask]);
  });

  it('names the sample and field when a batch does not hold preference pairs', () => {
    expect(() => checkPairSamples([{ id: 'x7', image, prompt: '', chosen: 'a' }])).toThrow(/sample "x7" has no string "rejected"/);
    expect(() => checkPairSamples([{ id: 'x8', prompt: '', chosen: 'a', rejected: 'b' }])).toThrow(/sample "x8" has no "image"/);
  });
});
