import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { WordTokenizer } from '../data/word-tokenizer.js';
import { shapesTokenizer } from './shapes-tokenizer.js';
import { createShapesWorld } from './shapes-world.js';
import { createTextCorpus } from './text-corpus.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('createTextCorpus', () => {
  it('is deterministic, prefix-stable and seed-dependent', () => {
    const a = createTextCorpus({ seed: 1, size: 200 });
    expect(a).toHaveLength(200);
    expect(createTextCorpus({ seed: 1, size: 200 })).toEqual(a);
    expect(createTextCorpus({ seed: 1, size: 50 })).toEqual(a.slice(0, 50));
    expect(createTextCorpus({ seed: 2, size: 200 })).not.toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(100);
    expect(() => createTextCorpus({ seed: 1, size: -2 })).toThrow(/"size"/);
  });

  it('states true facts in the arithmetic and relation templates', () => {
    const numbers = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    const opposite: Record<string, string> = { 'left of': 'right of', 'right of': 'left of', above: 'below', below: 'above' };
    let checked = 0;
    for (const s of createTextCorpus({ seed: 3, size: 400 })) {
      const sum = /^(\w+) (\w+) and (\w+) more \w+ make (\w+) \w+$/.exec(s);
      if (sum) {
        expect(numbers.indexOf(sum[1]) + numbers.indexOf(sum[3]), s).toBe(numbers.indexOf(sum[4]));
        checked++;
      }
      const rel = /^if the (.+) is (left of|right of|above|below) the (.+), then the (.+) is (left of|right of|above|below) the (.+)$/.exec(s);
      if (rel) {
        expect(rel[4]).toBe(rel[3]);
        expect(rel[6]).toBe(rel[1]);
        expect(rel[5]).toBe(opposite[rel[2]]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe('shapesTokenizer', () => {
  it('has the special ids and deterministic, sorted word ids', () => {
    const t = shapesTokenizer();
    expect([t.padId, t.bosId, t.eosId, t.unkId]).toEqual([0, 1, 2, 3]);
    const words = t.vocabulary.slice(4);
    expect(words).toEqual([...words].sort());
    expect(WordTokenizer.fromJSON(JSON.parse(JSON.stringify(t.toJSON()))).vocabulary).toEqual(t.vocabulary);
    for (const w of ['yes', 'no', 'circle', 'boxes', 'an', 'orange', '?', ',', ':', 'think', 'leftmost']) expect(t.tokenToId(w), w).toBeGreaterThan(3);
    expect(t.vocabSize).toBeLessThan(250);
  });

  it('covers every text the shapes world and the corpus produce, and round-trips them', () => {
    const t = shapesTokenizer();
    const texts: string[] = [...createTextCorpus({ seed: 5, size: 300 })];
    for (const split of ['train', 'test'] as const) {
      const w = createShapesWorld({ seed: 5, size: 60, split, maxObjects: 9, imageSize: 96 });
      for (let i = 0; i < w.length; i++) {
        const s = w.get(i);
        texts.push(...s.captions, s.fillerCaption.text, ...s.referring.map((r) => r.expression));
        texts.push(...s.locationPrompts.map((p) => p.caption), ...s.questions.flatMap((q) => [q.question, q.answer]));
      }
    }
    const unknown = texts.filter((text) => t.encode(text).includes(t.unkId));
    const changed = texts.filter((text) => t.decode(t.encode(text)) !== text);
    expect(unknown).toEqual([]);
    expect(changed).toEqual([]);
    expect(texts.length).toBeGreaterThan(2000);
  });
});
