import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { wordTokenize } from '../data/word-tokenizer.js';
import { createShapesWorld } from './shapes-world.js';
import type { ShapesSample } from './types.js';
import { COLOUR_RGB, COLOURS, SHAPES, SIZES, shapesObjectVocabulary } from './vocabulary.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const world = (split: 'train' | 'val' | 'test', size = 200, seed = 7) => createShapesWorld({ seed, size, split });
// Generated once per split and shared by the tests (the machine running them is small).
const cache = new Map<string, ShapesSample[]>();
const samples = (split: 'train' | 'val' | 'test', n: number): ShapesSample[] => {
  const have = cache.get(split) ?? [];
  const w = world(split, 200);
  for (let i = have.length; i < n; i++) have.push(w.get(i));
  cache.set(split, have);
  return have.slice(0, n);
};

// Word -> canonical shape, written out here rather than derived from the generator.
const SHAPE_OF_WORD: Record<string, string> = {
  circle: 'circle', disc: 'circle', square: 'square', box: 'square', triangle: 'triangle', star: 'star',
  cross: 'cross', plus: 'cross', diamond: 'diamond', rhombus: 'diamond', heart: 'heart',
};

describe('createShapesWorld', () => {
  it('is deterministic: the same options give identical bytes and annotations, in any access order', () => {
    const a = world('train', 30);
    const b = world('train', 30);
    const forward = Array.from({ length: 30 }, (_, i) => a.get(i));
    const backward = Array.from({ length: 30 }, (_, i) => b.get(29 - i)).reverse();
    for (let i = 0; i < 30; i++) {
      expect(sha(forward[i].image.data)).toBe(sha(backward[i].image.data));
      expect(sha(forward[i].foregroundMask)).toBe(sha(backward[i].foregroundMask));
      const { image: _i1, foregroundMask: _m1, ...restA } = forward[i];
      const { image: _i2, foregroundMask: _m2, ...restB } = backward[i];
      expect(restA).toEqual(restB);
    }
    const other = createShapesWorld({ seed: 8, size: 30, split: 'train' });
    const same = forward.filter((s, i) => sha(s.image.data) === sha(other.get(i).image.data));
    expect(same).toHaveLength(0);
  });

  it('never shares a scene between splits', () => {
    const hashes = new Map<string, string>();
    for (const split of ['train', 'val', 'test'] as const) {
      const residue = { train: 0, val: 1, test: 2 }[split];
      for (const s of samples(split, 200)) {
        const h = sha(s.image.data);
        const seen = hashes.get(h);
        if (seen !== undefined) expect(seen, `image hash repeated in ${seen} and ${split}`).toBe(split);
        hashes.set(h, split);
        // The layout checksum that makes identical layouts across splits impossible.
        const sum = s.objects.reduce((acc, o) => acc + o.centre[0] + o.centre[1], 0);
        expect(sum % 3).toBe(residue);
      }
    }
  });

  it('keeps annotations consistent with the pixels', () => {
    for (const s of samples('val', 150)) {
      const S = s.image.width;
      expect(s.image.height).toBe(S);
      expect(s.image.data).toHaveLength(S * S * 3);
      expect(s.foregroundMask).toHaveLength(S * S);
      expect(s.objects.length).toBeGreaterThanOrEqual(1);
      expect(s.objects.length).toBeLessThanOrEqual(4);
      expect(s.complexity.objects).toBe(s.objects.length);
      let fg = 0;
      for (const v of s.foregroundMask) if (v !== 0) fg++;
      expect(s.complexity.foregroundArea).toBeCloseTo(fg / (S * S), 10);
      s.objects.forEach((o, k) => {
        const [cx, cy] = o.centre;
        const p = (cy * S + cx) * 3;
        expect([...s.image.data.subarray(p, p + 3)]).toEqual([...COLOUR_RGB[o.colour]]);
        expect(s.foregroundMask[cy * S + cx]).toBe(k + 1);
        // Tight box: every mask pixel of the object inside it, and each edge touched.
        let [x0, y0, x1, y1] = [S, S, 0, 0];
        for (let y = 0; y < S; y++) {
          for (let x = 0; x < S; x++) {
            if (s.foregroundMask[y * S + x] !== k + 1) continue;
            x0 = Math.min(x0, x);
            y0 = Math.min(y0, y);
            x1 = Math.max(x1, x + 1);
            y1 = Math.max(y1, y + 1);
          }
        }
        expect(o.bbox).toEqual([x0, y0, x1, y1]);
        expect(o.bboxNorm.map((v, j) => Math.abs(v - o.bbox[j] / S) < 1e-4)).toEqual([true, true, true, true]);
        expect(o.centreNorm[0]).toBeCloseTo(cx / S, 4);
        // Sizes: large objects are clearly bigger than small ones.
        const w = x1 - x0;
        if (o.size === 'small') expect(w).toBeLessThanOrEqual(13);
        else expect(w).toBeGreaterThanOrEqual(16);
      });
      // No two object boxes overlap.
      for (let a = 0; a < s.objects.length; a++) {
        for (let b = a + 1; b < s.objects.length; b++) {
          const A = s.objects[a].bbox;
          const B = s.objects[b].bbox;
          expect(A[2] <= B[0] || B[2] <= A[0] || A[3] <= B[1] || B[3] <= A[1]).toBe(true);
        }
      }
    }
  });

  it('uses every shape, colour and size, with skewed frequencies', () => {
    const counts = new Map<string, number>();
    for (const s of samples('train', 200)) for (const o of s.objects) for (const k of [o.shape, o.colour, o.size]) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const k of [...SHAPES, ...COLOURS, ...SIZES]) expect(counts.get(k), k).toBeGreaterThan(0);
    expect(counts.get('red')!).toBeGreaterThan(counts.get('white')!);
  });

  it('writes captions that name every object, with >= 2 variants', () => {
    for (const s of samples('train', 150)) {
      expect(s.captions.length).toBeGreaterThanOrEqual(2);
      for (const caption of s.captions) {
        const words = wordTokenize(caption);
        // Multiset of (colour, shape) mentions: a colour word directly followed by a shape word,
        // possibly with a size word before the colour.
        const mentioned: string[] = [];
        words.forEach((w, i) => {
          if ((COLOURS as readonly string[]).includes(w) && SHAPE_OF_WORD[words[i + 1]]) mentioned.push(`${w} ${SHAPE_OF_WORD[words[i + 1]]}`);
        });
        const expected = s.objects.map((o) => `${o.colour} ${o.shape}`);
        expect(mentioned.sort(), caption).toEqual(expected.sort());
      }
      // captions[0] also names every size.
      const first = wordTokenize(s.captions[0]);
      const sizes = first.filter((w) => w === 'small' || w === 'large').sort();
      expect(sizes).toEqual(s.objects.map((o) => o.size).sort());
    }
  });

  it('flags filler tokens and visual tokens', () => {
    const visualWords = new Set<string>([...COLOURS, ...SIZES, ...Object.values(shapesObjectVocabulary()).flat(), 'left', 'right', 'of', 'above', 'below', 'top', 'bottom', 'middle', 'at', 'on', 'in', 'the']);
    let sawFiller = 0;
    for (const s of samples('test', 150)) {
      const f = s.fillerCaption;
      expect(f.tokens).toEqual(wordTokenize(f.text));
      expect(f.isVisual).toHaveLength(f.tokens.length);
      expect(f.isFiller).toHaveLength(f.tokens.length);
      // Dropping the filler leaves exactly the training caption.
      expect(f.tokens.filter((_, i) => !f.isFiller[i])).toEqual(wordTokenize(s.captions[0]));
      expect(f.isFiller.some(Boolean)).toBe(true);
      f.tokens.forEach((t, i) => {
        if (f.isFiller[i]) expect(f.isVisual[i]).toBe(false);
        if (f.isVisual[i]) expect(visualWords.has(t), t).toBe(true);
        if ((COLOURS as readonly string[]).includes(t) || SHAPE_OF_WORD[t]) expect(f.isVisual[i], t).toBe(true);
      });
      if (f.tokens.includes('think') || f.tokens.includes('picture')) sawFiller++;
    }
    expect(sawFiller).toBeGreaterThan(10);
  });

  it('aligns word targets with the tokens of captions[0] and grounds object words on their object', () => {
    let objectWords = 0;
    let inside = 0;
    for (const s of samples('train', 100)) {
      expect(s.wordTargets.map((w) => w.word)).toEqual(wordTokenize(s.captions[0]));
      // Utterances tile the words in order.
      let next = 0;
      for (const u of s.utterances) {
        expect(u.wordStart).toBe(next);
        expect(u.wordEnd).toBeGreaterThan(u.wordStart);
        expect(u.end).toBeGreaterThan(u.start);
        next = u.wordEnd;
      }
      expect(next).toBe(s.wordTargets.length);
      // The trace is time-ordered, normalised, sampled at 50 Hz.
      expect(s.trace.every((p, i) => i === 0 || p.t > s.trace[i - 1].t)).toBe(true);
      expect(s.trace.every((p) => p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)).toBe(true);
      expect(s.trace.every((p, i) => i === 0 || i === s.trace.length - 1 || Math.abs(p.t - s.trace[i - 1].t - 0.02) < 1e-9)).toBe(true);
      expect(s.trace[s.trace.length - 1].t).toBeGreaterThanOrEqual(s.utterances[s.utterances.length - 1].end - 0.02);
      for (const w of s.wordTargets) {
        const [x0, y0, x1, y1] = w.box;
        expect(x0 <= x1 && y0 <= y1 && x0 >= 0 && y1 <= 1).toBe(true);
        expect(w.box).toEqual(s.utterances[w.utterance].box);
        if (w.role === 'colour' || w.role === 'shape' || w.role === 'size') {
          objectWords++;
          const o = s.objects[w.objectIndex!];
          expect(o).toBeDefined();
          // The trace box centre lies on the object's (slightly grown) box.
          const cx = (x0 + x1) / 2;
          const cy = (y0 + y1) / 2;
          const [bx0, by0, bx1, by1] = o.bboxNorm;
          const m = 3 / 64;
          if (cx >= bx0 - m && cx <= bx1 + m && cy >= by0 - m && cy <= by1 + m) inside++;
        }
      }
    }
    expect(inside / objectWords).toBeGreaterThan(0.97);
  });

  it('gives referring expressions that pick out exactly one object', () => {
    let positional = 0;
    for (const s of samples('val', 200)) {
      expect(s.referring.length).toBeGreaterThan(0);
      for (const r of s.referring) {
        expect(r.box).toEqual(s.objects[r.objectIndex].bboxNorm);
        const words = wordTokenize(r.expression);
        expect(words[0]).toBe('the');
        const matches = s.objects.filter((o) => words.every((w) => !(COLOURS as readonly string[]).includes(w) || w === o.colour)
          && words.every((w) => !(SIZES as readonly string[]).includes(w) || w === o.size)
          && words.some((w) => SHAPE_OF_WORD[w] === o.shape));
        const target = s.objects[r.objectIndex];
        expect(matches).toContain(target);
        if (r.kind === 'attribute') expect(matches, r.expression).toHaveLength(1);
        else {
          positional++;
          // Position words resolve the tie among identical objects.
          const dir = words.find((w) => /left|right|top|bottom/.test(w))!;
          const key = dir.startsWith('left') || dir.startsWith('right') ? 0 : 1;
          const sign = dir.startsWith('left') || dir.startsWith('top') ? 1 : -1;
          for (const o of matches) if (o !== target) expect(sign * (o.centre[key] - target.centre[key])).toBeGreaterThan(0);
        }
      }
      expect(s.locationPrompts).toHaveLength(s.objects.length);
      s.locationPrompts.forEach((p, i) => {
        const o = s.objects[i];
        expect(p.box).toEqual(o.bboxNorm);
        expect(p.caption).toBe(`a ${o.size} ${o.colour} ${o.shape}`);
      });
      expect(s.chairObjects).toEqual([...new Set(s.objects.map((o) => o.shape))].sort());
    }
    // Crowded scenes have identical objects, which need position words.
    const crowded = createShapesWorld({ seed: 2, size: 25, split: 'val', imageSize: 96, minObjects: 7, maxObjects: 9 });
    for (let i = 0; i < crowded.length; i++) {
      const s = crowded.get(i);
      for (const r of s.referring) {
        if (r.kind !== 'position') continue;
        positional++;
        expect(r.expression).toMatch(/^the ((left|right|top|bottom)most \w+ \w+ \w+|\w+ \w+ \w+ (on the (left|right)|at the (top|bottom)))$/);
      }
    }
    expect(positional).toBeGreaterThan(0);
  });

  it('answers POPE questions correctly, balanced per split', () => {
    for (const s of samples('test', 150)) {
      const present = new Set(s.objects.map((o) => `${o.colour} ${o.shape}`));
      for (const kind of ['random', 'popular', 'adversarial'] as const) {
        const qs = s.questions.filter((q) => q.kind === kind);
        const yes = qs.filter((q) => q.answer === 'yes').length;
        expect(yes).toBe(Math.min(3, present.size));
        expect(qs.length).toBe(2 * yes);
        expect(new Set(qs.map((q) => q.object)).size).toBe(qs.length);
      }
      for (const q of s.questions) {
        expect(q.answer).toBe(present.has(q.object) ? 'yes' : 'no');
        expect(q.question).toMatch(new RegExp(`^is there an? ${q.object} in the image\\?$`));
      }
      // Adversarial negatives are the present shapes in other colours.
      const presentShapes = new Set(s.objects.map((o) => o.shape));
      for (const q of s.questions.filter((x) => x.kind === 'adversarial' && x.answer === 'no')) {
        expect(presentShapes.has(q.object.split(' ')[1] as ShapesSample['objects'][number]['shape']), q.object).toBe(true);
      }
      // Popular negatives: the most frequent absent objects. Priors (colour x shape), worked out by
      // hand: red circle .044, red square .040, blue circle .0396, blue square .036, green circle
      // .0352, red triangle .032, green square .032 (ties by name), blue triangle .0288.
      const ranking = ['red circle', 'red square', 'blue circle', 'blue square', 'green circle', 'green square', 'red triangle', 'blue triangle'];
      const popularNo = s.questions.filter((q) => q.kind === 'popular' && q.answer === 'no').map((q) => q.object);
      expect(popularNo.sort()).toEqual(ranking.filter((x) => !present.has(x)).slice(0, popularNo.length).sort());
    }
  });

  it('supports other image sizes, object counts and the textured background', () => {
    const w = createShapesWorld({ seed: 1, size: 20, split: 'train', imageSize: 96, minObjects: 2, maxObjects: 6, background: 'textured' });
    for (let i = 0; i < 20; i++) {
      const s = w.get(i);
      expect(s.image.width).toBe(96);
      expect(s.objects.length).toBeGreaterThanOrEqual(2);
      expect(s.objects.length).toBeLessThanOrEqual(6);
      for (const o of s.objects) {
        const p = (o.centre[1] * 96 + o.centre[0]) * 3;
        expect([...s.image.data.subarray(p, p + 3)]).toEqual([...COLOUR_RGB[o.colour]]);
      }
    }
    const plain = createShapesWorld({ seed: 1, size: 1, split: 'train' }).get(0);
    const textured = createShapesWorld({ seed: 1, size: 1, split: 'train', background: 'textured' }).get(0);
    expect(textured.objects).toEqual(plain.objects);
    expect(sha(textured.image.data)).not.toBe(sha(plain.image.data));
  });

  it('rejects bad options and indices with errors naming the field', () => {
    expect(() => createShapesWorld({ seed: 1, size: -1, split: 'train' })).toThrow(/"size"/);
    expect(() => createShapesWorld({ seed: 1, size: 1, split: 'dev' as 'train' })).toThrow(/"split"/);
    expect(() => createShapesWorld({ seed: 1, size: 1, split: 'train', imageSize: 8 })).toThrow(/"imageSize"/);
    expect(() => createShapesWorld({ seed: 1, size: 1, split: 'train', maxObjects: 12 })).toThrow(/"maxObjects"/);
    expect(() => createShapesWorld({ seed: 1, size: 1, split: 'train', minObjects: 3, maxObjects: 2 })).toThrow(/"maxObjects"/);
    expect(() => createShapesWorld({ seed: Number.NaN, size: 1, split: 'train' })).toThrow(/"seed"/);
    expect(() => createShapesWorld({ seed: 1, size: 1, split: 'train', background: 'noisy' as 'plain' })).toThrow(/"background"/);
    expect(() => world('train', 5).get(5)).toThrow(/out of range/);
    expect(world('train', 5).source).toContain('seed=7');
  });

  it('generates 1000 64x64 samples quickly', () => {
    const w = createShapesWorld({ seed: 11, size: 1000, split: 'train' });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) w.get(i);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(`shapes world: 1000 samples in ${wall.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms cpu`);
    // CPU time, not wall time: the test machine is shared. Measured about 0.4-1 s.
    expect(cpuMs).toBeLessThan(4000);
  });
});
